/*
 * chartpng — draws the weekly digest's chart (chart.h's data, nothing
 * else) as a PNG with cairo, in the gemeente's sober style: dark blue
 * bars, grey text and lines, one accent colour (orange) for the current
 * week. Top: the referrals received per week; below it, one row per owner
 * with the agreements not kept per week, and their totals; the week
 * columns are shared. Drawn at CHARTPNG_SCALE times the size it is shown
 * at, so it is sharp on a phone. Stateless; main thread (cairo's font
 * caches are not shared between threads here).
 */
#ifndef REGIE_CHARTPNG_H
#define REGIE_CHARTPNG_H

#include <jansson.h>
#include <stddef.h>

#define CHARTPNG_WIDTH 1200 /* pixels */
#define CHARTPNG_HEIGHT 870
#define CHARTPNG_SCALE 2 /* shown at 600 x 435 CSS pixels */

/* Draws data (chart_data's) as a PNG of CHARTPNG_WIDTH x CHARTPNG_HEIGHT
 * pixels. Returns the PNG's bytes (the caller frees them) with *len set,
 * or NULL after logging when cairo fails. */
unsigned char *chartpng_draw(const json_t *data, size_t *len);

#endif
