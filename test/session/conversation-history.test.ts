import { describe, expect, it } from 'vitest';
import { ConversationHistory, heardText } from '../../src/session/conversation-history.js';

describe('the conversation kept for a new upstream session', () => {
  it('keeps the upstream order: a voice turn where it was committed, even when its transcript comes after the answer', () => {
    const history = new ConversationHistory(50);
    history.typed('typed first');
    history.voiceTurn('item_1');
    history.responseStarted('resp_1');
    history.responseEnded('resp_1', 'The answer.');
    expect(history.isQuiet).toBe(false);
    history.transcript('item_1', 'spoken second');
    expect(history.isQuiet).toBe(true);
    expect(history.replay()).toEqual([
      { role: 'user', text: 'typed first' },
      { role: 'user', text: 'spoken second' },
      { role: 'assistant', text: 'The answer.' },
    ]);
  });

  it('leaves out what has no words: a failed or empty transcription, a response nobody heard', () => {
    const history = new ConversationHistory(50);
    history.voiceTurn('item_1');
    history.transcript('item_1', null);
    history.voiceTurn('item_2');
    history.transcript('item_2', '  ');
    history.responseStarted('resp_1');
    history.responseEnded('resp_1', '');
    expect(history.replay()).toEqual([]);
  });

  it('is quiet only when the user is not speaking', () => {
    const history = new ConversationHistory(50);
    history.speechStarted();
    expect(history.isQuiet).toBe(false);
    history.speechStopped();
    expect(history.isQuiet).toBe(true);
  });

  it('replays the newest items only (oldest dropped first), and holds no more than that', () => {
    const history = new ConversationHistory(3);
    for (let i = 1; i <= 10; i += 1) history.typed(`message ${i}`);
    expect(history.replay().map((item) => item.text)).toEqual(['message 8', 'message 9', 'message 10']);
    expect(new ConversationHistory(0).replay()).toEqual([]);
  });

  it('an interrupted answer is carried as heard, in whole words', () => {
    expect(heardText('one two three four', 500, 1000)).toBe('one two');
    expect(heardText('one two three four', 0, 1000)).toBe('');
    expect(heardText('one two three four', 1000, 1000)).toBe('one two three four');
    expect(heardText('text only', 0, 0)).toBe('text only');
  });
});
