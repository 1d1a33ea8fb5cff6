/* SPDX-License-Identifier: Apache-2.0 */
/* Int8 constant padding of an (h, w, c) tensor. */
#include <string.h>

#include "tinyc/tc_kernels.h"
#include "tc_requant.h"

/* input : (in.h, in.w, c) s8 -> output : (out.h, out.w, c) s8,
 * out.h = pad.top + in.h + pad.bottom, out.w = pad.left + in.w + pad.right. */
void tc_pad_s8_ref(const tc_pad_params *p, const int8_t *input, int8_t *output)
{
    const int32_t ch = p->input.c, ow = p->output.w;
    const size_t row_bytes = (size_t)ow * ch;
    int32_t oy;

    TC_ASSERT(p->output.c == ch);
    TC_ASSERT(p->output.h == p->pad.top + p->input.h + p->pad.bottom);
    TC_ASSERT(ow == p->pad.left + p->input.w + p->pad.right);
    /* one output row at a time: fill it with the pad value, then copy the input row into place */
    for (oy = 0; oy < p->output.h; oy++) {
        int8_t *row = output + (size_t)oy * row_bytes;
        const int32_t iy = oy - p->pad.top;
        memset(row, (int8_t)p->pad_value, row_bytes);
        if (iy >= 0 && iy < p->input.h)
            memcpy(row + (size_t)p->pad.left * ch, input + (size_t)iy * p->input.w * ch,
                   (size_t)p->input.w * ch);
    }
}
