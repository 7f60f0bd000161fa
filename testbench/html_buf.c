/*
 * html_buf.c - the escaping the page of `mmusim report` (HTML) and its plot
 * scripts (gnuplot strings) need, on the text buffer of buf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

void tb_buf_html(tb_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': tb_buf_str(b, "&amp;"); break;
        case '<': tb_buf_str(b, "&lt;"); break;
        case '>': tb_buf_str(b, "&gt;"); break;
        case '"': tb_buf_str(b, "&quot;"); break;
        case '\'': tb_buf_str(b, "&#39;"); break;
        default:
            /* also keeps the page's plot placeholders (0x1e) out of user text */
            if (c < 0x20 && c != '\t' && c != '\n')
                tb_buf_add(b, "?", 1);
            else
                tb_buf_add(b, s, 1);
        }
    }
}

void tb_buf_gpstr(tb_buf *b, const char *s)
{
    tb_buf_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            tb_buf_add(b, "\\", 1);
        if (c < 0x20)
            tb_buf_add(b, "?", 1);
        else
            tb_buf_add(b, s, 1);
    }
    tb_buf_add(b, "\"", 1);
}

