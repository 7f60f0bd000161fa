/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * html_buf.c - the escaping the page of `mmusim report` (HTML) and its plot
 * scripts (gnuplot strings) need, on the text buffer of buf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

void mmusim_buf_html(mmusim_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': mmusim_buf_str(b, "&amp;"); break;
        case '<': mmusim_buf_str(b, "&lt;"); break;
        case '>': mmusim_buf_str(b, "&gt;"); break;
        case '"': mmusim_buf_str(b, "&quot;"); break;
        case '\'': mmusim_buf_str(b, "&#39;"); break;
        default:
            /* also keeps the page's plot placeholders (0x1e) out of user text */
            if (c < 0x20 && c != '\t' && c != '\n')
                mmusim_buf_add(b, "?", 1);
            else
                mmusim_buf_add(b, s, 1);
        }
    }
}

void mmusim_buf_gpstr(mmusim_buf *b, const char *s)
{
    mmusim_buf_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            mmusim_buf_add(b, "\\", 1);
        if (c < 0x20)
            mmusim_buf_add(b, "?", 1);
        else
            mmusim_buf_add(b, s, 1);
    }
    mmusim_buf_add(b, "\"", 1);
}

