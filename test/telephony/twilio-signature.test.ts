import { describe, expect, it } from 'vitest';
import { twilioSignature, validTwilioSignature } from '../../src/telephony/twilio-signature.js';

/**
 * Twilio's published example: auth token `12345`, this URL and these POST parameters sign to this value. It is the
 * vector of Twilio's security docs and of every official helper library's tests (twilio-php
 * `tests/Twilio/Unit/Security/RequestValidatorTest.php`, twilio-csharp `RequestValidatorTest`, twilio-python's
 * RequestValidator example), so our HMAC is held to an independent source, not to itself.
 */
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
const SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
/** twilio-csharp's mixed-case host example: the URL is signed as written. */
const MIXED_CASE_URL = 'https://MyCompany.com/myapp.php?foo=1&bar=2';
const MIXED_CASE_SIGNATURE = 'g9IN/x4Cft2g517EjYvEvM/W7LU=';

describe('Twilio request signatures', () => {
  it("reproduces Twilio's published example signatures", () => {
    expect(twilioSignature(TOKEN, URL, PARAMS)).toBe(SIGNATURE);
    expect(twilioSignature(TOKEN, MIXED_CASE_URL, PARAMS)).toBe(MIXED_CASE_SIGNATURE);
    expect(validTwilioSignature(TOKEN, SIGNATURE, URL, PARAMS)).toBe(true);
  });

  it('any change to the token, the URL, a parameter or the signature fails', () => {
    expect(validTwilioSignature('54321', SIGNATURE, URL, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, SIGNATURE, `${URL}&x=1`, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, SIGNATURE, URL, { ...PARAMS, Digits: '9999' })).toBe(false);
    expect(validTwilioSignature(TOKEN, SIGNATURE.replace('R', 'S'), URL, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, '', URL, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, SIGNATURE, 'not a url', PARAMS)).toBe(false);
  });

  it('a WebSocket upgrade signs the wss:// URL alone; with or without the default port, as twilio-node accepts', () => {
    const signed = twilioSignature(TOKEN, 'wss://voice.example.com/twilio');
    expect(validTwilioSignature(TOKEN, signed, 'wss://voice.example.com/twilio')).toBe(true);
    expect(validTwilioSignature(TOKEN, signed, 'wss://voice.example.com:443/twilio')).toBe(true);
    expect(validTwilioSignature(TOKEN, twilioSignature(TOKEN, 'wss://voice.example.com:443/twilio'), 'wss://voice.example.com/twilio')).toBe(true);
    // Another port, scheme or path is another URL.
    expect(validTwilioSignature(TOKEN, signed, 'wss://voice.example.com:8443/twilio')).toBe(false);
    expect(validTwilioSignature(TOKEN, signed, 'https://voice.example.com/twilio')).toBe(false);
    expect(validTwilioSignature(TOKEN, signed, 'wss://voice.example.com/twilio/')).toBe(false);
  });
});
