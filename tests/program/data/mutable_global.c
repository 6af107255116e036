/* Link-error fixture: a mutable global, which SBPFv0 cannot hold. The linker must name `call_count`. */
#include <stdint.h>

uint64_t call_count;

uint64_t entrypoint(const uint8_t *input) {
    (void)input;
    call_count++;
    return call_count == 1 ? 0 : 1;
}
