/** The GA session object as the emulator keeps and sends it (`session.created` / `session.updated`). */
export {};
