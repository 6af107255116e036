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

/* "<label><value>" lines, the form of every view's output (views.c): one value per line, so a client finds a
 * value by its label. The value is read from `at` (little-endian, unaligned) as `kind` says. */
typedef enum {
    LOG_PUBKEY,   /* 32 bytes, base58 */
    LOG_U64,      /* decimal */
    LOG_I64,      /* decimal, with a '-' when negative */
    LOG_U8,       /* decimal */
    LOG_LAMPORTS, /* u64, decimal, then " lamports" */
    LOG_BOOL,     /* a byte: "false" when 0, else "true" */
} LogKind;

void log_i64(LogLine *line, int64_t value);
void log_value_line(const char *label, uint64_t label_len, LogKind kind, const uint8_t *at);
#define LOG_VALUE(label, kind, at) log_value_line((label), sizeof(label) - 1, (kind), (const uint8_t *)(at))

/* One line of a table that prints an account's fields: `label` (with its ": "), the kind, the byte offset. */
typedef struct {
    const char *label;
    uint8_t label_len;
    uint8_t kind; /* LogKind */
    uint16_t offset;
} LogField;
#define LOG_FIELD(label, kind, offset) {(label), sizeof(label) - 1, (kind), (offset)}
void log_fields(const uint8_t *data, const LogField *fields, uint64_t count);

/* Base58 of 32 bytes into out (at most 44 characters); returns the length. */
uint64_t base58_encode32(const uint8_t *bytes, char *out);

#endif
