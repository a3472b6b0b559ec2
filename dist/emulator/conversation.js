export class Conversation {
    entries = new Map();
    lastId = null;
    /** Adds an entry at the end; returns the id of the item before it (`previous_item_id`). */
    add(entry) {
        const previous = this.lastId;
        if (entry.audio)
            for (const other of this.entries.values())
                delete other.audio;
        this.entries.set(entry.id, entry);
        this.lastId = entry.id;
        return previous;
    }
    get(id) {
        return this.entries.get(id);
    }
    has(id) {
        return this.entries.has(id);
    }
    delete(id) {
        if (!this.entries.delete(id))
            return false;
        if (this.lastId === id)
            this.lastId = [...this.entries.keys()].at(-1) ?? null;
        return true;
    }
    /** The most recent user item, which a response answers. */
    lastUser() {
        return [...this.entries.values()].reverse().find((entry) => entry.role === 'user');
    }
}
