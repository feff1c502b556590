// iq4_nl.glsl: IQ4_NL, blocks of 32 elements, 18 bytes laid out as Q4_0's:
// x = d · IQ4_NL_VALUES[nibble].
#include "iq-tables.h"

const float iq4_nl_values[16] = float[16](IQ4_NL_VALUES);
#define NIBBLE_VALUE(q) iq4_nl_values[q]
#include "q4_0.glsl"
