/** The connection's query parameters: the client's audio formats (protocol v1, "Connecting"). */
import { validateFormat } from '../audio/formats.js';
import { echoClientText } from '../errors/index.js';
/** Reads inputFormat/inputRate/outputFormat/outputRate with the contract's defaults. */
export function parseFormats(params) {
    const inputEncoding = params.get('inputFormat') ?? 'pcm16';
    const inputRate = rateParam(params, 'inputRate', defaultRate(inputEncoding));
    if (typeof inputRate === 'string')
        return { ok: false, message: inputRate };
    const input = validateFormat(inputEncoding, inputRate);
    if (!input.ok)
        return { ok: false, message: `inputFormat/inputRate: ${input.message}` };
    const outputEncoding = params.get('outputFormat') ?? inputEncoding;
    const outputRate = rateParam(params, 'outputRate', isG711(outputEncoding) ? 8000 : isG711(inputEncoding) ? defaultRate(outputEncoding) : inputRate);
    if (typeof outputRate === 'string')
        return { ok: false, message: outputRate };
    const output = validateFormat(outputEncoding, outputRate);
    if (!output.ok)
        return { ok: false, message: `outputFormat/outputRate: ${output.message}` };
    return { ok: true, formats: { input: input.format, output: output.format } };
}
function isG711(encoding) {
    return encoding === 'g711_ulaw' || encoding === 'g711_alaw';
}
function defaultRate(encoding) {
    return isG711(encoding) ? 8000 : 16000;
}
/** The rate as a number, or an error message. */
function rateParam(params, name, fallback) {
    const raw = params.get(name);
    if (raw === null)
        return fallback;
    if (!/^\d{1,6}$/.test(raw))
        return `${name} must be a whole number of Hz, got "${echoClientText(raw)}"`;
    return Number(raw);
}
