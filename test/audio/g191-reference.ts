/**
 * A literal, bit-level transcription of ITU-T G.191 STL `g711.c` (ulaw_compress, ulaw_expand,
 * alaw_compress, alaw_expand), one sample at a time. C `short` arithmetic is emulated with
 * `toShort` where the C code stores into a short. Deliberately not table-driven and not shared
 * with src/audio/g711.ts, so the tests compare two independent implementations.
 */

/** C `(short)` conversion. */
function toShort(value: number): number {
  return (value << 16) >> 16;
}

/** G.191 alaw_compress for one 16-bit sample. */
export function g191AlawCompress(linbuf: number): number {
  let ix: number;
  let iexp: number;
  ix = linbuf < 0 ? toShort(~linbuf) >> 4 : linbuf >> 4; /* 1's complement for negative values */
  /* Do more, if exponent > 0 */
  if (ix > 15) {
    /* exponent=0 for ix <= 15 */
    iexp = 1; /* first step: */
    while (ix > 16 + 15) {
      /* find mantissa and exponent */
      ix >>= 1;
      iexp++;
    }
    ix -= 16; /* second step: remove leading '1' */
    ix += iexp << 4; /* now compute encoded value */
  }
  if (linbuf >= 0) ix |= 0x0080; /* add sign bit */
  return toShort(ix ^ 0x0055); /* toggle even bits */
}

/** G.191 alaw_expand for one code. */
export function g191AlawExpand(logbuf: number): number {
  let ix = logbuf ^ 0x0055; /* re-toggle toggled bits */
  ix &= 0x007f; /* remove sign bit */
  const iexp = ix >> 4; /* extract exponent */
  let mant = ix & 0x000f; /* now get mantissa */
  if (iexp > 0) mant = mant + 16; /* add leading '1', if exponent > 0 */
  mant = (mant << 4) + 0x0008; /* now mantissa left justified and 1/2 quantization step added */
  if (iexp > 1) mant = mant << (iexp - 1); /* now left shift according exponent */
  return toShort(logbuf > 127 ? mant : -mant); /* invert, if negative sample */
}

/** G.191 ulaw_compress for one 16-bit sample. */
export function g191UlawCompress(linbuf: number): number {
  let absno: number;
  let i: number;
  let segno: number;
  let lowNibble: number;
  let logbuf: number;
  /* Change from 14 bit left justified to 14 bit right justified; compute absolute value */
  absno =
    linbuf < 0
      ? (toShort(~linbuf) >> 2) + 33 /* compute 1's complement in case of negative samples */
      : (linbuf >> 2) + 33; /* NB: 33 is the difference value between the thresholds for A-law and u-law. */
  if (absno > 0x1fff) absno = 0x1fff; /* limitation to "absno" < 8192 */
  /* Determination of sample's segment */
  i = absno >> 6;
  segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  /* Mounting the high-nibble of the log-PCM sample */
  const highNibble = 0x0008 - segno;
  /* Mounting the low-nibble of the log PCM sample */
  lowNibble = (absno >> segno) & 0x000f; /* right shift of mantissa and masking away leading '1' */
  lowNibble = 0x000f - lowNibble;
  /* Joining the high-nibble and the low-nibble of the log PCM sample */
  logbuf = (highNibble << 4) | lowNibble;
  /* Add sign bit */
  if (linbuf >= 0) logbuf = logbuf | 0x0080;
  return logbuf;
}

/** G.191 ulaw_expand for one code. */
export function g191UlawExpand(logbuf: number): number {
  const sign = logbuf < 0x0080 ? -1 : 1; /* sign-bit = 1 for positive values */
  let mantissa = toShort(~logbuf); /* 1's complement of input value */
  const exponent = (mantissa >> 4) & 0x0007; /* extract exponent */
  const segment = exponent + 1; /* compute segment number */
  mantissa = mantissa & 0x000f; /* extract mantissa */
  /* Compute Quantized Sample (14 bit left justified!) */
  const step = 4 << segment; /* position of the LSB = 1 quantization step */
  return toShort(
    sign *
      ((0x0080 << exponent) /* '1', preceding the mantissa */ +
        step * mantissa /* left shift of mantissa */ +
        Math.trunc(step / 2) /* 1/2 quantization step */ -
        4 * 33),
  );
}
