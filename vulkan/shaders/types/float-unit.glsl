// float-unit.glsl: load_unit for unquantized weights (F32, F16, BF16). The
// includer defines W_ELEMENT(i), element i of the weight buffer as a float.

#define WEIGHT_IS_FLOAT

// Elements at or past n_in read as 0 (n_in need not be a multiple of 16).
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint k0 = unit * UNIT;
  uint base = row * n_in + k0;
  if (k0 + UNIT <= n_in) {
    [[unroll]] for (uint i = 0; i < UNIT; i++)
      v[i] = W_ELEMENT (base + i);
  } else {
    [[unroll]] for (uint i = 0; i < UNIT; i++)
      v[i] = k0 + i < n_in ? W_ELEMENT (base + i) : 0.0;
  }
}
