#!/bin/sh
# test-data-files-po.sh SOURCE_ROOT: every string in the files of
# po/POTFILES.in must be translated, without fuzzy entries, in every
# language of po/LINGUAS. Extracts a fresh template (the keywords of meson's
# glib preset), merges each .po with it and asks msgfmt for statistics.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$src/po/POTFILES.in" > "$tmp/files"
(cd "$src" && xgettext --package-name=hearth --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format \
  --files-from="$tmp/files" --output="$tmp/hearth.pot")

status=0
for lang in $(sed 's/#.*//' "$src/po/LINGUAS"); do
  msgmerge --quiet --output-file="$tmp/$lang.po" "$src/po/$lang.po" "$tmp/hearth.pot"
  stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$tmp/$lang.po" 2>&1) || status=1
  echo "$lang: $stats"
  case $stats in
    *untranslated*|*fuzzy*)
      echo "po/$lang.po lacks translations; run 'meson compile -C build hearth-update-po' and translate:" >&2
      msgattrib --untranslated "$tmp/$lang.po" >&2
      msgattrib --only-fuzzy "$tmp/$lang.po" >&2
      status=1 ;;
  esac
done
exit $status
