/* Link-error fixture: read-only data in a section the SBPFv0 loader would not map. */
#include <stdint.h>

const uint64_t LIMITS[2] __attribute__((section(".limits"))) = {1, 2};

uint64_t entrypoint(const uint8_t *input) { return LIMITS[input[0] & 1]; }
