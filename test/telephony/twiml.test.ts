import { describe, expect, it } from 'vitest';
import { connectStreamTwiml, publicStreamUrl, xmlEscape } from '../../src/telephony/twiml.js';

describe('TwiML', () => {
  it('<Connect><Stream> with parameters, then the goodbye; every value escaped', () => {
    const twiml = connectStreamTwiml({ streamUrl: 'wss://voice.example.com/twilio', parameters: { token: 'a"b<c' }, goodbye: "Bye & see you" });
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<Response>\n' +
        '  <Connect>\n' +
        '    <Stream url="wss://voice.example.com/twilio">\n' +
        '      <Parameter name="token" value="a&quot;b&lt;c" />\n' +
        '    </Stream>\n' +
        '  </Connect>\n' +
        '  <Say>Bye &amp; see you</Say>\n' +
        '</Response>\n',
    );
  });

  it('no goodbye: the document ends with the stream, and the call hangs up', () => {
    expect(connectStreamTwiml({ streamUrl: 'wss://h/twilio', goodbye: '' })).not.toContain('<Say>');
    expect(xmlEscape(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('the stream URL: PUBLIC_ORIGIN\'s host when set, else the request\'s Host; always wss', () => {
    expect(publicStreamUrl('https://voice.example.com', '10.0.0.5:8080', '/twilio')).toBe('wss://voice.example.com/twilio');
    expect(publicStreamUrl('http://voice.example.com:8080', undefined, '/twilio')).toBe('wss://voice.example.com:8080/twilio');
    expect(publicStreamUrl(null, 'abc.ngrok.app', '/twilio')).toBe('wss://abc.ngrok.app/twilio');
  });
});
