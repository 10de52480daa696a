/* Inside the script reader: the memory arena, the lexer's tokens, the
 * tables of names.c.  Not installed. */
#ifndef TCPSHAKE_SCRIPT_INTERNAL_H
#define TCPSHAKE_SCRIPT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/script.h"

/* ---- arena: everything of one script, freed at once ------------------------ */

struct ts_arena;
struct ts_arena *ts_arena_new(void);
void *ts_arena_alloc(struct ts_arena *a, size_t n); /* zeroed; NULL when out */
char *ts_arena_strndup(struct ts_arena *a, const char *s, size_t n);
void ts_arena_free(struct ts_arena *a);

/* ---- tokens ---------------------------------------------------------------- */

enum ts_tok_kind {
    TOK_EOF,
    TOK_INT,      /* [-]digits, or 0xhex (hex set) */
    TOK_FLOAT,    /* [-][digits].digits */
    TOK_WORD,     /* [A-Za-z0-9_]+ that is not a number */
    TOK_STRING,   /* "..." (text: inside the quotes, escapes as written) */
    TOK_BACKQ,    /* `...` */
    TOK_CODE,     /* %{ ... }% (text: inside) */
    TOK_OPTION,   /* --name (text: the name) */
    TOK_ELLIPSIS, /* ... */
    TOK_PUNCT,    /* one character: < > ( ) [ ] { } , : = + * ~ | . - / % ... */
};

struct ts_tok {
    enum ts_tok_kind kind;
    unsigned line, col;
    const char *text; /* into the source buffer */
    size_t len;
    char ch;          /* PUNCT */
    bool hex;         /* INT */
    bool overflow;    /* INT: beyond int64 */
    int64_t num;      /* INT */
};

struct ts_lexer {
    const char *src;
    size_t len, pos;
    unsigned line, col;
};

/* The next token; -1 with *why set (and tok's line and col) on a lexical
 * error. */
int ts_lex_next(struct ts_lexer *lx, struct ts_tok *tok, char *why, size_t whylen);

/* Lex option values as raw text up to the next blank (--local_ip=fd::1). */
int ts_lex_raw_word(struct ts_lexer *lx, struct ts_tok *tok);

/* ---- names.c ---------------------------------------------------------------- */

bool ts_script_errno_known(const char *name);
/* The name of errno value e on this machine ("EAGAIN" before its alias
 * EWOULDBLOCK), or "E?" when the table has none. */
const char *ts_script_errno_name(int e);
/* 0 and *arg ('n' number, 's' text, '-' none) and *refused (why tcpshake
 * refuses it, or NULL); -1 for a name packetdrill does not have */
int ts_script_option_lookup(const char *name, char *arg, const char **refused);
bool ts_script_function_known(const char *name);

#endif
