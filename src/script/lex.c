/* The lexer: packetdrill's tokens, from a buffer of known length.  Newlines
 * are blanks, as in packetdrill; each token keeps its line and column. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int at(const struct ts_lexer *lx, size_t i)
{
    return lx->pos + i < lx->len ? (unsigned char)lx->src[lx->pos + i] : -1;
}

static void step(struct ts_lexer *lx)
{
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static void steps(struct ts_lexer *lx, size_t n)
{
    while (n-- && lx->pos < lx->len)
        step(lx);
}

static int bad(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

/* Blanks and comments; -1 on an unterminated comment (tok at its start). */
static int skip_blanks(struct ts_lexer *lx, struct ts_tok *tok, char *why, size_t whylen)
{
    for (;;) {
        int c = at(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            step(lx);
        } else if (c == '/' && at(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n') {
                if (lx->src[lx->pos] == '\0') {
                    tok->line = lx->line;
                    tok->col = lx->col;
                    return bad(why, whylen, "a NUL byte");
                }
                step(lx);
            }
        } else if (c == '/' && at(lx, 1) == '*') {
            tok->line = lx->line;
            tok->col = lx->col;
            steps(lx, 2);
            for (;;) {
                if (lx->pos >= lx->len)
                    return bad(why, whylen, "a comment /* that is never closed");
                if (lx->src[lx->pos] == '*' && at(lx, 1) == '/') {
                    steps(lx, 2);
                    break;
                }
                step(lx);
            }
        } else {
            return 0;
        }
    }
}

/* digits (or 0xhex) into tok->num, with overflow noted */
static void number_value(struct ts_tok *tok, const char *s, size_t n, bool neg)
{
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    unsigned base = tok->hex ? 16 : 10;
    for (size_t i = 0; i < n; i++) {
        unsigned d = is_digit((unsigned char)s[i]) ? (unsigned)(s[i] - '0')
                                                   : (unsigned)((s[i] | 0x20) - 'a' + 10);
        if (v > (limit - d) / base) {
            tok->overflow = true;
            return;
        }
        v = v * base + d;
    }
    tok->num = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
}

/* quoted text: " or `, with \ escaping the next byte; newlines allowed */
static int quoted(struct ts_lexer *lx, struct ts_tok *tok, char q, char *why, size_t whylen)
{
    step(lx);
    size_t start = lx->pos;
    for (;;) {
        if (lx->pos >= lx->len)
            return bad(why, whylen, q == '"' ? "a string \" that is never closed"
                                             : "a command ` that is never closed");
        char c = lx->src[lx->pos];
        if (c == '\0')
            return bad(why, whylen, "a NUL byte");
        if (c == q)
            break;
        if (c == '\\' && lx->pos + 1 < lx->len) {
            step(lx);
            if (lx->src[lx->pos] == '\0')
                return bad(why, whylen, "a NUL byte");
        }
        step(lx);
    }
    tok->kind = q == '"' ? TOK_STRING : TOK_BACKQ;
    tok->text = lx->src + start;
    tok->len = lx->pos - start;
    step(lx);
    return 0;
}

int ts_lex_next(struct ts_lexer *lx, struct ts_tok *tok, char *why, size_t whylen)
{
    memset(tok, 0, sizeof *tok);
    if (skip_blanks(lx, tok, why, whylen) < 0)
        return -1;
    tok->line = lx->line;
    tok->col = lx->col;
    if (lx->pos >= lx->len) {
        tok->kind = TOK_EOF;
        tok->text = "";
        return 0;
    }
    const char *s = lx->src + lx->pos;
    int c = (unsigned char)*s, c1 = at(lx, 1), c2 = at(lx, 2);
    tok->text = s;

    if (c == '\0')
        return bad(why, whylen, "a NUL byte");
    if (c == '"' || c == '`')
        return quoted(lx, tok, (char)c, why, whylen);
    if (c == '%' && c1 == '{') {
        steps(lx, 2);
        size_t start = lx->pos;
        for (;;) {
            if (lx->pos + 1 >= lx->len)
                return bad(why, whylen, "python code %{ that is never closed with }%");
            if (lx->src[lx->pos] == '\0')
                return bad(why, whylen, "a NUL byte");
            if (lx->src[lx->pos] == '}' && lx->src[lx->pos + 1] == '%')
                break;
            step(lx);
        }
        tok->kind = TOK_CODE;
        tok->text = lx->src + start;
        tok->len = lx->pos - start;
        steps(lx, 2);
        return 0;
    }
    if (c == '.' && c1 == '.' && c2 == '.') {
        tok->kind = TOK_ELLIPSIS;
        tok->len = 3;
        steps(lx, 3);
        return 0;
    }
    if (c == '-' && c1 == '-' && c2 >= 0 && (is_word((unsigned char)c2) || c2 == '-')) {
        size_t n = 2;
        while (lx->pos + n < lx->len && (is_word((unsigned char)s[n]) || s[n] == '-'))
            n++;
        tok->kind = TOK_OPTION;
        tok->text = s + 2;
        tok->len = n - 2;
        steps(lx, n);
        return 0;
    }

    /* numbers: [-]digits, [-][digits].digits, 0xhex; a run of word bytes
     * that is none of these is a word (FO cookies: 3021b9d9a2c6) */
    bool neg = c == '-';
    size_t i = neg ? 1 : 0;
    int d0 = at(lx, i), d1 = at(lx, i + 1);
    if ((d0 >= 0 && is_digit((unsigned char)d0)) ||
        (d0 == '.' && d1 >= 0 && is_digit((unsigned char)d1))) {
        size_t w = i;
        while (lx->pos + w < lx->len && is_word((unsigned char)s[w]))
            w++;
        bool digits = true;
        for (size_t k = i; k < w; k++)
            digits = digits && is_digit((unsigned char)s[k]);
        if (digits && lx->pos + w + 1 < lx->len && s[w] == '.' &&
            is_digit((unsigned char)s[w + 1])) {
            size_t f = w + 1;
            while (lx->pos + f < lx->len && is_digit((unsigned char)s[f]))
                f++;
            tok->kind = TOK_FLOAT;
            tok->len = f;
            steps(lx, f);
            return 0;
        }
        if (w > i && digits) {
            tok->kind = TOK_INT;
            tok->len = w;
            number_value(tok, s + i, w - i, neg);
            steps(lx, w);
            return 0;
        }
        bool hex = !neg && w > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        for (size_t k = 2; hex && k < w; k++)
            hex = is_hex((unsigned char)s[k]);
        if (hex) {
            tok->kind = TOK_INT;
            tok->hex = true;
            tok->len = w;
            number_value(tok, s + 2, w - 2, false);
            steps(lx, w);
            return 0;
        }
        if (!neg && w > 0) {
            tok->kind = TOK_WORD;
            tok->len = w;
            steps(lx, w);
            return 0;
        }
    }
    if (is_word((unsigned char)c)) {
        size_t w = 0;
        while (lx->pos + w < lx->len && is_word((unsigned char)s[w]))
            w++;
        tok->kind = TOK_WORD;
        tok->len = w;
        steps(lx, w);
        return 0;
    }
    if (c > ' ' && c < 0x7f) {
        tok->kind = TOK_PUNCT;
        tok->ch = (char)c;
        tok->len = 1;
        step(lx);
        return 0;
    }
    snprintf(why, whylen, "an unexpected byte 0x%02x", (unsigned)c);
    return -1;
}

int ts_lex_raw_word(struct ts_lexer *lx, struct ts_tok *tok)
{
    memset(tok, 0, sizeof *tok);
    while (lx->pos < lx->len && (lx->src[lx->pos] == ' ' || lx->src[lx->pos] == '\t'))
        step(lx);
    tok->line = lx->line;
    tok->col = lx->col;
    tok->kind = TOK_WORD;
    tok->text = lx->src + lx->pos;
    size_t n = 0;
    while (lx->pos + n < lx->len) {
        unsigned char c = (unsigned char)lx->src[lx->pos + n];
        if (c <= ' ' || c >= 0x7f)
            break;
        n++;
    }
    tok->len = n;
    steps(lx, n);
    return 0;
}
