/* mmusim command-line program (being written). */
#include <stdio.h>
int main(void)
{
    fprintf(stderr, "mmusim: not yet\n");
    return 2;
}
