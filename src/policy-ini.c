/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-ini: driving inih over the lines of one file.
 *
 * The INI syntax itself is inih's.  The inih we build against has
 * INI_HANDLER_LINENO and INI_CALL_HANDLER_ON_NEW_SECTION off, so its
 * handler learns neither the line of a key nor that a section started
 * (a section without keys is invisible to it), and ini_parse_stream()
 * returns only the first syntax error.  We want all three, so we feed
 * inih our own lines through ini_parse_stream():
 *
 *  - The reader hands out one line per call and remembers which, so the
 *    handler always knows the line of the key it is given.
 *
 *  - After a line starting with '[' the reader hands out one extra,
 *    dummy "key" line.  inih reports it under the section it has just
 *    parsed, which tells us that a section started, on which line, and
 *    its name exactly as inih understood it.
 *
 *  - Before that, a pass with a handler that does nothing is repeated,
 *    each time neutralising the line inih named as its first error, until
 *    inih reports none.  That yields every syntax error, and the real pass
 *    then sees no broken lines.
 *
 *  - Leading whitespace is dropped before inih sees a line.  inih treats
 *    an indented line after a key as a continuation of that key's value;
 *    none of our values can span lines, and an indented key should just
 *    be a key.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ini.h>
#include <stdint.h>

#include "policy-loader.h"

/* inih needs some key line to report the section under; its content is irrelevant. */
#define MARKER_LINE "@="
/* Stands in for a broken header line, so that its keys are not taken for the previous section's. */
#define BROKEN_HEADER_LINE "[-]"

static char *reader(char *buf, int size, void *userdata) {
        struct loader *ld = userdata;
        const char *text;

        ld->in_marker = false;

        if (ld->marker_due) {
                ld->marker_due = false;
                ld->in_marker = true;
                text = MARKER_LINE;
        } else {
                struct line *l;

                if (ld->next_line >= ld->n_lines || ld->next_line >= ld->end_line)
                        return NULL;

                l = &ld->lines[ld->next_line++];
                ld->cur_line = (unsigned) ld->next_line;

                /* inih would split a line that does not fit its buffer and
                 * parse the tail as a line of its own; refuse it instead.
                 * Room is needed for the newline and the NUL. */
                if (l->state == LINE_OK && strlen(l->text) + 2 > (size_t) size) {
                        l->state = LINE_TOO_LONG;
                        line_error(ld, ld->cur_line, "line too long (more than %d characters)",
                                   size - 2);
                }

                if (l->state == LINE_OK)
                        text = l->text;
                else if (l->text[0] == '[')
                        text = BROKEN_HEADER_LINE;
                else
                        text = "";

                ld->marker_due = ld->markers && text[0] == '[';
        }

        /* Always newline-terminated: an inih built with INI_ALLOW_REALLOC
         * reads on into the next line when a chunk lacks one. */
        snprintf(buf, (size_t) size, "%s\n", text);
        return buf;
}

static int noop_handler(void *userdata, const char *section, const char *name, const char *value) {
        (void) userdata, (void) section, (void) name, (void) value;
        return 1;
}

static int handler(void *userdata, const char *section, const char *name, const char *value) {
        struct loader *ld = userdata;

        if (ld->in_marker)
                keys_section_begin(ld, section);
        else
                keys_key(ld, name, value);

        /* Errors are collected by us; inih's return value is only used
         * for syntax errors. */
        return 1;
}

/*
 * inih ignores whatever follows the ']' of a section header, so that
 * "[device r]junk" and "[device r] = [device s]" would pass for
 * "[device r]".  Only blanks and a comment may follow.
 */
static void check_header_tails(struct loader *ld) {
        for (size_t i = 0; i < ld->n_lines; i++) {
                struct line *l = &ld->lines[i];
                const char *tail;

                if (l->state != LINE_OK || l->text[0] != '[')
                        continue;
                tail = strchr(l->text, ']');
                if (!tail)
                        continue;
                for (tail++; ascii_isspace(*tail); tail++)
                        ;
                if (*tail == '\0' || *tail == ';' || *tail == '#')
                        continue;

                l->state = LINE_BAD_SYNTAX;
                line_error(ld, (unsigned) i + 1,
                           "syntax error: text after ']' in section header '%s' (only a comment may follow)",
                           l->text);
        }
}

int ini_parse_lines(struct loader *ld) {
        int r;

        /* Syntax errors are a property of each line alone (leading blanks
         * are gone, so no line continues another), so each line is given
         * to inih on its own: every error is found in one linear pass,
         * where asking inih again for its first error after each one
         * would take time quadratic in the number of errors. */
        ld->markers = false;
        for (size_t i = 0; i < ld->n_lines; i++) {
                const struct line *l = &ld->lines[i];

                if (l->state != LINE_OK)
                        continue;
                ld->next_line = i;
                ld->end_line = i + 1;
                ld->marker_due = false;
                r = ini_parse_stream(reader, ld, noop_handler, NULL);
                if (r < 0)
                        return -ENOMEM;
                /* The reader may have refused the line as too long. */
                if (r == 0 || l->state != LINE_OK)
                        continue;

                ld->lines[i].state = LINE_BAD_SYNTAX;
                if (l->text[0] == '[')
                        line_error(ld, (unsigned) i + 1, "syntax error: no closing ']' in section header '%s'",
                                   l->text);
                else
                        line_error(ld, (unsigned) i + 1, "syntax error: expected 'key = value', got '%s'",
                                   l->text);
        }
        ld->end_line = SIZE_MAX;

        check_header_tails(ld);

        ld->markers = true;
        ld->marker_due = false;
        ld->next_line = 0;
        keys_file_begin(ld);
        r = ini_parse_stream(reader, ld, handler, ld);
        if (r < 0)
                return -ENOMEM;

        keys_file_end(ld);
        return 0;
}
