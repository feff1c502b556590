#!/usr/bin/env python3
"""The layers of STYLE.md, checked on every include: ui -> app -> engine ->
vulkan, app -> data; GTK only in ui/. A header belongs to the folder it is
in; a file may include headers of its own folder and of the folders its
layer may call. Exits 1 and names each file that breaks the rule.

KNOWN_DEBTS lists the includes that still cross a layer, with the reason;
the check fails for any other, and for a debt that was paid (so that the
list only shrinks)."""
import os
import re
import sys

ALLOWED = {
    'vulkan': set(),
    'engine': {'vulkan'},
    'data': set(),
    'app': {'engine', 'data'},
    'ui': {'app'},
}
GTK = re.compile(r'\s*#\s*include\s+<(gtk/|adwaita|gtksourceview)')
LOCAL = re.compile(r'\s*#\s*include\s+"([^"]+)"')

# ui/ still loads models through the engine and renders image plans; the
# model loader and the chat list of app/ will take these over.
KNOWN_DEBTS = {
    ('ui/hearth-application.h', 'hearth-engine.h'),
    ('ui/hearth-photos-view.h', 'hearth-engine.h'),
    ('ui/hearth-composer.c', 'image-preprocess.h'),
    ('ui/hearth-window.c', 'model-catalog.h'),
    ('ui/hearth-model-choice.c', 'model-catalog.h'),
    ('ui/hearth-model-row.h', 'model-catalog.h'),
}


def main(root):
    owner = {}
    for folder in ALLOWED:
        for name in os.listdir(os.path.join(root, folder)):
            if name.endswith('.h'):
                owner[name] = folder
    problems, seen_debts = [], set()
    for folder, allowed in ALLOWED.items():
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.endswith(('.c', '.h')):
                continue
            rel = f'{folder}/{name}'
            with open(os.path.join(root, folder, name), encoding='utf-8', errors='replace') as f:
                for line in f:
                    if GTK.match(line) and folder != 'ui':
                        problems.append(f'{rel}: GTK belongs to ui/ only: {line.strip()}')
                    m = LOCAL.match(line)
                    if not m:
                        continue
                    header = os.path.basename(m.group(1))
                    to = owner.get(header)
                    if to is None or to == folder or to in allowed:
                        continue
                    if (rel, header) in KNOWN_DEBTS:
                        seen_debts.add((rel, header))
                        continue
                    problems.append(f'{rel}: {folder}/ may not include {to}/{header}')
    for rel, header in sorted(KNOWN_DEBTS - seen_debts):
        problems.append(f'{rel} no longer includes {header}: remove it from KNOWN_DEBTS')
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
