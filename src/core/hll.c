/*
** hll.c: the HyperLogLog distinct-value sketch (see core.h). Adding a hash
** is inline in core.h; this file holds merging and the estimate.
**
** The estimate is Ertl's "improved raw estimator" (O. Ertl, New cardinality
** estimation algorithms for HyperLogLog sketches, 2017): it works from the
** histogram of register values and needs neither the classic small-range
** linear-counting switch nor bias-correction tables.
*/
#include "core/core.h"

#include <math.h>
#include <string.h>

/* Largest register value: leading zeros of the remaining bits plus one. */
#define HLL_Q (64 - TARN_HLL_BITS)

void tarn_hll_init(tarn_hll *h)
{
    memset(h->reg, 0, sizeof h->reg);
}

void tarn_hll_merge(tarn_hll *dst, const tarn_hll *src)
{
    for (uint32_t i = 0; i < TARN_HLL_REGISTERS; i++)
        if (src->reg[i] > dst->reg[i])
            dst->reg[i] = src->reg[i];
}

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the zero registers. */
static double hll_sigma(double x)
{
    if (x == 1.0)
        return INFINITY;
    double y = 1.0, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

/* tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for the
** saturated registers. */
static double hll_tau(double x)
{
    if (x == 0.0 || x == 1.0)
        return 0.0;
    double y = 1.0, z = 1.0 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != prev);
    return z / 3.0;
}

double tarn_hll_estimate(const tarn_hll *h)
{
    uint32_t hist[HLL_Q + 2] = {0};
    for (uint32_t i = 0; i < TARN_HLL_REGISTERS; i++)
        hist[h->reg[i] <= HLL_Q + 1 ? h->reg[i] : HLL_Q + 1]++;
    const double m = TARN_HLL_REGISTERS;
    if (hist[0] == TARN_HLL_REGISTERS)
        return 0.0;
    double z = m * hll_tau(1.0 - hist[HLL_Q + 1] / m);
    for (int k = HLL_Q; k >= 1; k--)
        z = 0.5 * (z + hist[k]);
    z += m * hll_sigma(hist[0] / m);
    return (m * m / (2.0 * log(2.0))) / z;
}
