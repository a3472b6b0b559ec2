// Microphone capture: Web Audio floats at the context's own rate → PCM16 frames of 20 ms, posted to the
// main thread with the frame's level. No resampling here: the proxy is told the rate and resamples.

const FRAME_MS = 20;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frameSamples = Math.round((sampleRate * FRAME_MS) / 1000);
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.sumSquares = 0;
    this.capturing = true;
    this.port.onmessage = (event) => {
      if (event.data && event.data.type === 'stop') this.capturing = false;
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (!this.capturing) return false;
    if (!channels || channels.length === 0) return true; // input not connected yet
    const length = channels[0].length;
    for (let i = 0; i < length; i++) {
      let value = 0;
      for (let c = 0; c < channels.length; c++) value += channels[c][i];
      value /= channels.length;
      if (value > 1) value = 1;
      else if (value < -1) value = -1;
      this.sumSquares += value * value;
      this.frame[this.filled++] = Math.round(value * 0x7fff);
      if (this.filled === this.frameSamples) this.post();
    }
    return true;
  }

  post() {
    const level = Math.sqrt(this.sumSquares / this.frameSamples);
    const pcm = this.frame.buffer;
    this.port.postMessage({ type: 'frame', pcm, level }, [pcm]);
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.sumSquares = 0;
  }
}

registerProcessor('capture-processor', CaptureProcessor);
