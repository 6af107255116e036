/* Link fixture with no read-only data and no syscalls (so no .rodata and no .rel.dyn in the output).
 * Takes no accounts; succeeds when data[0] is 0, else fails with custom error data[0]. */
#include <stdint.h>

uint64_t entrypoint(const uint8_t *input) {
    uint64_t accounts = *(const uint64_t *)input;
    uint64_t len = *(const uint64_t *)(input + 8);
    if (accounts != 0 || len == 0) {
        return 1;
    }
    return input[16];
}
