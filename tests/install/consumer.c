/* Links the installed libmmusim: one translation through the default MMU. */
#include <stdio.h>

#include <mmusim/mmusim.h>

int main(void)
{
    mmu_config cfg;
    char msg[256];
    mmu_config_defaults(&cfg);
    if (mmu_config_set(&cfg, "walker.mode", "fixed", msg, sizeof msg) != MMU_OK)
        return 1;
    mmu *m;
    if (mmu_create(&cfg, &m, msg, sizeof msg) != MMU_OK) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    mmu_request req = {0x5000, 0, 8, 0, MMU_READ, MMU_PRIV_USER};
    mmu_response resp;
    int ok = mmu_translate(m, &req, &resp) == MMU_OK && resp.paddr == 0x5000;
    mmu_destroy(m);
    printf("consumer %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
