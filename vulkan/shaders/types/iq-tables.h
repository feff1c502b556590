/* iq-tables.h: the constant tables of the IQ quant types, as their format
 * defines them. Included by the GLSL type files and by tests/ref-quant.c,
 * so it holds macros only. */
#ifndef HEARTH_IQ_TABLES_H
#define HEARTH_IQ_TABLES_H

/* IQ4_NL and IQ4_XS: the 16 values a 4-bit index selects (a non-linear grid
 * fitted to weight distributions), scaled by the block's d. */
#define IQ4_NL_VALUES -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113

#endif
