/* Link-error fixture: calls a function that is neither defined nor a syscall. The linker must name it. */
#include <stdint.h>

extern void sol_log_(const char *message, uint64_t len);
extern uint64_t sol_no_such_syscall(uint64_t value);

uint64_t entrypoint(const uint8_t *input) {
    sol_log_("calling", 7);
    return sol_no_such_syscall(input[0]);
}
