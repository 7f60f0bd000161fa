/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An outside SystemC platform built only against an installed mmusim
 * (mmusim::systemc, or pkg-config mmusim-systemc): a plain initiator and a
 * plain memory, both on the stock tlm_utils sockets and knowing nothing of
 * mmusim, with the MMU module between them.  The initiator writes a pattern,
 * reads it back through the MMU, and checks the data, the responses, the
 * time the translations added and the module's counters.
 */
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <mmusim/systemc/mmu_module.h>

using namespace sc_core;

static int failures = 0;
#define EXPECT(c)                                                             \
    do {                                                                      \
        if (!(c)) {                                                           \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static const sc_time MEM_LATENCY(10, SC_NS);
static const unsigned WORDS = 256;

struct memory : sc_module {
    tlm_utils::simple_target_socket<memory> socket;
    std::vector<unsigned char> bytes;
    explicit memory(sc_module_name n) : sc_module(n), socket("socket"), bytes(1 << 20)
    {
        socket.register_b_transport(this, &memory::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload &t, sc_time &delay)
    {
        const uint64_t a = t.get_address();
        if (a + t.get_data_length() > bytes.size()) {
            t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (t.is_write())
            std::memcpy(&bytes[a], t.get_data_ptr(), t.get_data_length());
        else
            std::memcpy(t.get_data_ptr(), &bytes[a], t.get_data_length());
        delay += MEM_LATENCY;
        t.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct initiator : sc_module {
    tlm_utils::simple_initiator_socket<initiator> socket;
    SC_HAS_PROCESS(initiator);
    explicit initiator(sc_module_name n) : sc_module(n), socket("socket") { SC_THREAD(run); }

    /* one access; returns the delay it took */
    sc_time access(tlm::tlm_command cmd, uint64_t addr, uint64_t *data)
    {
        tlm::tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(addr);
        t.set_data_ptr(reinterpret_cast<unsigned char *>(data));
        t.set_data_length(8);
        t.set_streaming_width(8);
        t.set_byte_enable_ptr(nullptr);
        t.set_dmi_allowed(false);
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay = SC_ZERO_TIME;
        socket->b_transport(t, delay);
        EXPECT(t.get_response_status() == tlm::TLM_OK_RESPONSE);
        EXPECT(t.get_address() == addr); /* the initiator sees its own address again */
        wait(delay);
        return delay;
    }

    void run()
    {
        for (unsigned i = 0; i < WORDS; i++) {
            uint64_t v = 0x9e3779b97f4a7c15ull * (i + 1);
            EXPECT(access(tlm::TLM_WRITE_COMMAND, 0x1000 + 512ull * i, &v) > MEM_LATENCY);
        }
        for (unsigned i = 0; i < WORDS; i++) {
            uint64_t v = 0;
            const sc_time d = access(tlm::TLM_READ_COMMAND, 0x1000 + 512ull * i, &v);
            EXPECT(v == 0x9e3779b97f4a7c15ull * (i + 1));
            EXPECT(d > MEM_LATENCY); /* the translation took time */
        }
        sc_stop();
    }
};

int sc_main(int, char *[])
{
    /* fixed walker mode: an identity map with a fixed miss latency */
    const mmu_config cfg = mmusim::sc::make_config({{"walker.mode", "fixed"}, {"walker.latency", "30"}});
    initiator cpu("cpu");
    mmusim::sc::mmu_module mmu("mmu", cfg);
    memory mem("mem");
    cpu.socket.bind(mmu.cpu_socket);
    mmu.mem_socket.bind(mem.socket);
    sc_start();
    EXPECT(sc_get_status() == SC_STOPPED);
    EXPECT(mmu.stats().requests == 2 * WORDS);
    EXPECT(mmu.stats().walks > 0);
    EXPECT(mmu.mod_stats().b_transport == 2 * WORDS);
    mmu.report_text(stdout); /* the summary writer of libmmusim-io */
    std::printf("sc_consumer: %u words written and read back through the MMU, %d failed checks\n", WORDS,
                failures);
    return failures ? 1 : 0;
}
