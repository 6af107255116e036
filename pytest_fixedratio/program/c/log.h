/*
 * A tiny log-line builder: the spec's log lines (POOL_ID, DEPOSIT SUCCESS, SUMMARY ...) mix text, decimal
 * numbers and base58 addresses, which sol_log_64_/sol_log_pubkey cannot print on one line.
 */
#ifndef FRT_LOG_H
#define FRT_LOG_H

#include "sol.h"

#define LOG_CAPACITY 240

typedef struct {
    char buf[LOG_CAPACITY];
    uint64_t len;
} LogLine;

/* Appends; text beyond the capacity is dropped (a log line is diagnostic, never worth a failure). */
void log_text(LogLine *line, const char *text, uint64_t len);
void log_u64(LogLine *line, uint64_t value);
void log_pubkey(LogLine *line, const SolPubkey *key);
void log_flush(const LogLine *line);

#define LOG_LIT(line, lit) log_text((line), (lit), sizeof(lit) - 1)
/* One constant line. */
#define MSG(lit) sol_log_((lit), sizeof(lit) - 1)

/* Base58 of 32 bytes into out (at most 44 characters); returns the length. */
uint64_t base58_encode32(const uint8_t *bytes, char *out);

#endif
