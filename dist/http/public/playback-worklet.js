// Response playback: a queue of PCM16 chunks played back to back (no gaps between network frames), silence
// when the queue is empty. Reports how many samples of each response actually reached the output, so the
// page can tell the proxy how much the user heard.
//
// Messages in:  {type:'chunk', responseId, pcm: ArrayBuffer}  {type:'clear'}
// Messages out: {type:'played', responseId, samples}  {type:'drained'}

const REPORT_EVERY_SECONDS = 0.05;

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; // { samples: Int16Array, offset, responseId }
    this.unreported = 0; // samples played since the last 'played' message
    this.reportId = null; // the response those samples belong to
    this.reportEvery = Math.round(sampleRate * REPORT_EVERY_SECONDS);
    this.port.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'chunk') {
        const samples = new Int16Array(message.pcm);
        if (samples.length > 0) this.queue.push({ samples, offset: 0, responseId: message.responseId });
      } else if (message.type === 'clear') {
        this.queue = [];
        this.report();
        this.port.postMessage({ type: 'drained' });
      }
    };
  }

  process(_inputs, outputs) {
    const output = outputs[0];
    const out = output[0];
    const hadAudio = this.queue.length > 0;
    let written = 0;
    while (written < out.length && this.queue.length > 0) {
      const head = this.queue[0];
      if (head.responseId !== this.reportId) {
        this.report();
        this.reportId = head.responseId;
      }
      const count = Math.min(out.length - written, head.samples.length - head.offset);
      for (let i = 0; i < count; i++) out[written + i] = head.samples[head.offset + i] / 0x8000;
      head.offset += count;
      written += count;
      this.unreported += count;
      if (head.offset === head.samples.length) this.queue.shift();
    }
    // The rest of `out` stays zero: silence while the queue is empty.
    for (let c = 1; c < output.length; c++) output[c].set(out);
    if (this.unreported >= this.reportEvery) this.report();
    if (hadAudio && this.queue.length === 0) {
      this.report();
      this.port.postMessage({ type: 'drained' });
    }
    return true;
  }

  report() {
    if (this.unreported === 0) return;
    this.port.postMessage({ type: 'played', responseId: this.reportId, samples: this.unreported });
    this.unreported = 0;
  }
}

registerProcessor('playback-processor', PlaybackProcessor);
