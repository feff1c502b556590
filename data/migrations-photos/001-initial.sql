-- Photo index schema version 1: library folders, one row per photo file
-- with what the vision model said about it, and a full-text index over that.
-- Times are Unix microseconds (UTC). No location (GPS) is ever stored.

CREATE TABLE folders (
  id        INTEGER PRIMARY KEY,
  path      TEXT    NOT NULL UNIQUE,   -- a library root, absolute
  added_at  INTEGER NOT NULL
);

CREATE TABLE photos (
  id            INTEGER PRIMARY KEY,
  folder_id     INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
  path          TEXT    NOT NULL UNIQUE,
  content_hash  TEXT    NOT NULL,      -- SHA-256 of the file, hex
  size          INTEGER NOT NULL,      -- bytes
  mtime         INTEGER NOT NULL,
  width         INTEGER NOT NULL DEFAULT 0,
  height        INTEGER NOT NULL DEFAULT 0,
  captured_at   INTEGER,               -- EXIF DateTimeOriginal; NULL: not known
  camera        TEXT,
  state         TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'described', 'failed')),
  failure       TEXT,                  -- why, when state is 'failed'
  description   TEXT    NOT NULL DEFAULT '',
  objects       TEXT    NOT NULL DEFAULT '',
  visible_text  TEXT    NOT NULL DEFAULT '',
  indexed_at    INTEGER                -- when it was described (or failed)
);

CREATE INDEX photos_by_hash ON photos (content_hash);
CREATE INDEX photos_by_state ON photos (state, id);
CREATE INDEX photos_by_folder ON photos (folder_id);

-- External content: the text lives once, in photos. Prefix indexes make
-- "bic*" as fast as a whole word.
CREATE VIRTUAL TABLE photos_fts USING fts5 (
  description,
  objects,
  visible_text,
  content = 'photos',
  content_rowid = 'id',
  tokenize = 'porter unicode61',
  prefix = '2 3'
);

-- The indexed (stemmed) terms: a typed prefix is matched against them,
-- because the stemmer would cut a prefix like "bicy" to "bici".
CREATE VIRTUAL TABLE photos_vocab USING fts5vocab (photos_fts, 'row');

CREATE TRIGGER photos_fts_insert AFTER INSERT ON photos
BEGIN
  INSERT INTO photos_fts (rowid, description, objects, visible_text)
  VALUES (new.id, new.description, new.objects, new.visible_text);
END;

CREATE TRIGGER photos_fts_delete AFTER DELETE ON photos
BEGIN
  INSERT INTO photos_fts (photos_fts, rowid, description, objects, visible_text)
  VALUES ('delete', old.id, old.description, old.objects, old.visible_text);
END;

CREATE TRIGGER photos_fts_update AFTER UPDATE OF description, objects, visible_text ON photos
BEGIN
  INSERT INTO photos_fts (photos_fts, rowid, description, objects, visible_text)
  VALUES ('delete', old.id, old.description, old.objects, old.visible_text);
  INSERT INTO photos_fts (rowid, description, objects, visible_text)
  VALUES (new.id, new.description, new.objects, new.visible_text);
END;
