/*
 * ijwcfg — the "ijw" group of regie-ijw's configuration, read into the
 * ijw_options_t the ijw module maps messages with:
 *
 *   ijw: {
 *       contact_email = "zorgloket@aanbieder.example";  # and/or
 *       contact_phone = "+31 30 000 0000";
 *       jw315_xsd = "/usr/share/regie/xsd/ijw/jw315.xsd";   # optional
 *       wmo315_xsd = "/usr/share/regie/xsd/iwmo/wmo315.xsd"; # optional
 *       with_note = false;            # Commentaar becomes the note
 *       jw_categories = ( [ "45", "jeugd" ], [ "54", "ggz" ] );
 *       jw_default = "jeugd";         # optional: for other codes
 *       wmo_categories = ( [ "02", "overig" ] );
 *       wmo_default = "overig";
 *   };
 *
 * A configured XSD must load (libxml2; call xmlInitParser first). The
 * ijwcfg_t owns copies of everything; read-only after loading.
 */
#ifndef REGIE_IJWCFG_H
#define REGIE_IJWCFG_H

#include "acfg.h"
#include "ijw.h"

typedef struct ijwcfg ijwcfg_t;

/* Reads group g of cfg, recording every mistake in cfg with its line.
 * Returns the options, or NULL when there was a mistake. */
ijwcfg_t *ijwcfg_load(acfg_t *cfg, const config_setting_t *g);

/* Frees the options and sets *p to NULL; accepts NULL and *p == NULL. */
void ijwcfg_destroy(ijwcfg_t **p);

/* Returns the options for ijw_parse, borrowed until ijwcfg_destroy. */
const ijw_options_t *ijwcfg_options(const ijwcfg_t *self);

#endif
