/** Closed sets shared by configuration and the client protocol. */
/** GA voices (the upstream refuses others). */
export const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
/** Keys of a client `config` message. */
export const CLIENT_CONFIG_KEYS = [
    'instructions',
    'voice',
    'turnDetection',
    'transcription',
    'outputModalities',
    'speed',
];
