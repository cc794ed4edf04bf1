/*
 * cfgmail — reads the "mail" group of regie.conf (see cfgmail.c) for
 * cfgload.
 */
#ifndef REGIE_CFGMAIL_H
#define REGIE_CFGMAIL_H

#include "cfgparse.h"

/* Reads the mail group of root into ctx->cfg->mail (enabled when the
 * group is present), reporting mistakes through ctx. */
void cfgmail_load(cfgparse_t *ctx, const config_setting_t *root);

#endif
