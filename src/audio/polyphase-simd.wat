;; The polyphase resampler's filter kernel in WebAssembly SIMD (f32x4). The source of polyphase-simd.wasm, built
;; with `npm run build:wasm` (wabt's wat2wasm from the npm registry); a test checks the committed binary against it.
;;
;; Memory holds, put there by polyphase-simd.ts:
;; - per rate pair, a cycle table: for each output index i of one L-output cycle, 12 bytes:
;;   [coefficient address (16-byte aligned), row length in bytes (a multiple of 32: taps zero-padded to 8),
;;    input offset of the row's first tap relative to the cycle's input 0 (may be negative)];
;; - the rows themselves (f32), zero-padded to a multiple of 8 taps;
;; - scratch: the resampler's input history (f32) and the output (int16).
;;
;; Every output is computed the same way wherever it falls in a chunk, so the result does not depend on how the
;; stream was chunked: two accumulators (taps 8k..8k+3 and 8k+4..8k+7), added lane by lane at the end, then
;; (lane 0 + lane 1) + (lane 2 + lane 3), rounded to nearest and clamped to int16. Outputs that share a row (the
;; column n, n + L, n + 2L, … of a chunk) are computed four at a time so each coefficient load serves four outputs.
(module
  (memory (export "memory") 1)

  ;; One output from its two accumulators.
  (func $finish (param $even v128) (param $odd v128) (result i32)
    (local $s v128)
    (local $x f32)
    (local.set $s (f32x4.add (local.get $even) (local.get $odd)))
    (local.set $x
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
        (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
    (i32.trunc_sat_f32_s (f32.nearest (f32.min (f32.const 32767) (f32.max (f32.const -32768) (local.get $x))))))


  ;; Fills `count` int16 outputs at `out`, starting at index `index` of the cycle whose input 0 is sample
  ;; `cycleBase` of the f32 history at `hist`; `table` is the pair's cycle table, `phases` = L, `step` = M.
  (func (export "filter")
    (param $hist i32) (param $out i32) (param $count i32) (param $cycleBase i32) (param $index i32)
    (param $table i32) (param $phases i32) (param $step i32)
    (local $column i32) (local $at i32) (local $entry i32) (local $coef i32) (local $len i32)
    (local $x i32) (local $n i32) (local $k i32) (local $stride i32) (local $outStride i32)
    (local $h0 v128) (local $h1 v128)
    (local $e0 v128) (local $o0 v128) (local $e1 v128) (local $o1 v128)
    (local $e2 v128) (local $o2 v128) (local $e3 v128) (local $o3 v128)
    (local $x1 i32) (local $x2 i32) (local $x3 i32)
    ;; bytes between consecutive outputs of one column, in the history and in the output
    (local.set $stride (i32.shl (local.get $step) (i32.const 2)))
    (local.set $outStride (i32.shl (local.get $phases) (i32.const 1)))
    (block $columnsDone
      (loop $columns
        (br_if $columnsDone (i32.ge_u (local.get $column) (local.get $count)))
        (br_if $columnsDone (i32.ge_u (local.get $column) (local.get $phases)))
        ;; output `column` is index (index + column) mod L of cycle (index + column) / L
        (local.set $at (i32.add (local.get $index) (local.get $column)))
        (local.set $entry
          (i32.add (local.get $table) (i32.mul (i32.rem_u (local.get $at) (local.get $phases)) (i32.const 12))))
        (local.set $coef (i32.load (local.get $entry)))
        (local.set $len (i32.load offset=4 (local.get $entry)))
        (local.set $x
          (i32.add (local.get $hist)
            (i32.shl
              (i32.add
                (i32.add (local.get $cycleBase)
                  (i32.mul (i32.div_u (local.get $at) (local.get $phases)) (local.get $step)))
                (i32.load offset=8 (local.get $entry)))
              (i32.const 2))))
        (local.set $n (local.get $column))
        ;; four outputs of this column at a time
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone
              (i32.ge_u (i32.add (local.get $n) (i32.mul (local.get $phases) (i32.const 3))) (local.get $count)))
            (local.set $x1 (i32.add (local.get $x) (local.get $stride)))
            (local.set $x2 (i32.add (local.get $x1) (local.get $stride)))
            (local.set $x3 (i32.add (local.get $x2) (local.get $stride)))
            (local.set $e0 (v128.const i32x4 0 0 0 0))
            (local.set $o0 (v128.const i32x4 0 0 0 0))
            (local.set $e1 (v128.const i32x4 0 0 0 0))
            (local.set $o1 (v128.const i32x4 0 0 0 0))
            (local.set $e2 (v128.const i32x4 0 0 0 0))
            (local.set $o2 (v128.const i32x4 0 0 0 0))
            (local.set $e3 (v128.const i32x4 0 0 0 0))
            (local.set $o3 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $taps
              (local.set $h0 (v128.load (i32.add (local.get $coef) (local.get $k))))
              (local.set $h1 (v128.load offset=16 (i32.add (local.get $coef) (local.get $k))))
              (local.set $e0 (f32x4.add (local.get $e0) (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $h0))))
              (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (local.get $k))) (local.get $h1))))
              (local.set $e1 (f32x4.add (local.get $e1) (f32x4.mul (v128.load (i32.add (local.get $x1) (local.get $k))) (local.get $h0))))
              (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x1) (local.get $k))) (local.get $h1))))
              (local.set $e2 (f32x4.add (local.get $e2) (f32x4.mul (v128.load (i32.add (local.get $x2) (local.get $k))) (local.get $h0))))
              (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x2) (local.get $k))) (local.get $h1))))
              (local.set $e3 (f32x4.add (local.get $e3) (f32x4.mul (v128.load (i32.add (local.get $x3) (local.get $k))) (local.get $h0))))
              (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x3) (local.get $k))) (local.get $h1))))
              (local.set $k (i32.add (local.get $k) (i32.const 32)))
              (br_if $taps (i32.lt_u (local.get $k) (local.get $len))))
            ;; the four sums at once, added in the same order as $finish: (lane 0 + 1) + (lane 2 + 3) of even + odd
            (local.set $e0 (f32x4.add (local.get $e0) (local.get $o0)))
            (local.set $e1 (f32x4.add (local.get $e1) (local.get $o1)))
            (local.set $e2 (f32x4.add (local.get $e2) (local.get $o2)))
            (local.set $e3 (f32x4.add (local.get $e3) (local.get $o3)))
            ;; (a0 + a1, b0 + b1, a2 + a3, b2 + b3) and the same for c, d
            (local.set $o0 (f32x4.add
              (i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27 (local.get $e0) (local.get $e1))
              (i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31 (local.get $e0) (local.get $e1))))
            (local.set $o1 (f32x4.add
              (i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27 (local.get $e2) (local.get $e3))
              (i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31 (local.get $e2) (local.get $e3))))
            ;; ((a0 + a1) + (a2 + a3), … for b, c, d), rounded, clamped, converted
            (local.set $o0
              (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                (f32x4.min (v128.const f32x4 32767 32767 32767 32767) (f32x4.max (v128.const f32x4 -32768 -32768 -32768 -32768)
                  (f32x4.add
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $o0) (local.get $o1))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $o0) (local.get $o1))))))))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 1))))
            (i32.store16 (local.get $at) (i32x4.extract_lane 0 (local.get $o0)))
            (local.set $at (i32.add (local.get $at) (local.get $outStride)))
            (i32.store16 (local.get $at) (i32x4.extract_lane 1 (local.get $o0)))
            (local.set $at (i32.add (local.get $at) (local.get $outStride)))
            (i32.store16 (local.get $at) (i32x4.extract_lane 2 (local.get $o0)))
            (local.set $at (i32.add (local.get $at) (local.get $outStride)))
            (i32.store16 (local.get $at) (i32x4.extract_lane 3 (local.get $o0)))
            (local.set $n (i32.add (local.get $n) (i32.shl (local.get $phases) (i32.const 2))))
            (local.set $x (i32.add (local.get $x) (i32.shl (local.get $stride) (i32.const 2))))
            (br $blocks)))
        ;; the 0-3 left in this column, one at a time (same arithmetic)
        (block $singlesDone
          (loop $singles
            (br_if $singlesDone (i32.ge_u (local.get $n) (local.get $count)))
            (local.set $e0 (v128.const i32x4 0 0 0 0))
            (local.set $o0 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $taps1
              (local.set $e0 (f32x4.add (local.get $e0)
                (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $coef) (local.get $k))))))
              (local.set $o0 (f32x4.add (local.get $o0)
                (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (local.get $k))) (v128.load offset=16 (i32.add (local.get $coef) (local.get $k))))))
              (local.set $k (i32.add (local.get $k) (i32.const 32)))
              (br_if $taps1 (i32.lt_u (local.get $k) (local.get $len))))
            (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 1))) (call $finish (local.get $e0) (local.get $o0)))
            (local.set $n (i32.add (local.get $n) (local.get $phases)))
            (local.set $x (i32.add (local.get $x) (local.get $stride)))
            (br $singles)))
        (local.set $column (i32.add (local.get $column) (i32.const 1)))
        (br $columns)))))
