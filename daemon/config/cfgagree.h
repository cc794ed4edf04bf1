/*
 * cfgagree — reads the agreement and monitoring groups of regie.conf
 * (see cfgagree.c) for cfgload.
 */
#ifndef REGIE_CFGAGREE_H
#define REGIE_CFGAGREE_H

#include "cfg.h"
#include "cfgparse.h"

/* Sets the defaults of the groups read here. */
void cfgagree_defaults(cfg_t *cfg);

/* Reads policies, agreements, departments, monitoring and domains from
 * root (after categories), reporting mistakes through ctx. */
void cfgagree_load(cfgparse_t *ctx, const config_setting_t *root);

/* Reads a partner's "email" and "report" settings from its group g. */
void cfgagree_partner(cfgparse_t *ctx, const config_setting_t *g,
                      cfg_partner_t *p);

/* (What it reads is freed by cfg_destroy.) */

#endif
