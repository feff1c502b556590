#define G_LOG_DOMAIN "hearth-test"

/* test-photo-parse: reading a vision model's answer to the photo prompt. */

#include "photo-indexer.h"

static void
check (const char *answer, const char *description, const char *objects, const char *text)
{
  PhotoDescription d = { 0 };

  photo_description_parse (answer, &d);
  g_assert_cmpstr (d.description, ==, description);
  g_assert_cmpstr (d.objects, ==, objects);
  g_assert_cmpstr (d.visible_text, ==, text);
  photo_description_clear (&d);
}

static void
test_unlabelled_lines (void)
{
  check ("A dog runs on a beach.\nDog, Beach, sand, dog\nNo text.",
         "A dog runs on a beach.", "dog, beach, sand", "");
  check ("A shop front.\n\nshop, sign, street.\nOPEN 9-5",
         "A shop front.", "shop, sign, street", "OPEN 9-5");
}

static void
test_labelled_and_numbered (void)
{
  check ("1. Description: A cat on a sofa.\n2. Objects: cat; sofa; Cushion\n3. Text: None",
         "A cat on a sofa.", "cat, sofa, cushion", "");
  check ("Objects: cake, candles\nDescription: A birthday cake.\nLegible text: Happy Birthday",
         "A birthday cake.", "cake, candles", "Happy Birthday");
  check ("- A red bicycle.\n- bicycle, wall", "A red bicycle.", "bicycle, wall", "");
}

static void
test_one_line_and_empty (void)
{
  check ("A lake at dawn. lake, mountains, mist", "A lake at dawn.", "lake, mountains, mist", "");
  check ("", "", "", "");
  check ("nonsense without structure", "nonsense without structure", "", "");
}

static void
test_photo_names (void)
{
  g_assert_true (photo_indexer_is_photo_name ("a.JPG"));
  g_assert_true (photo_indexer_is_photo_name ("b.png"));
  g_assert_false (photo_indexer_is_photo_name ("notes.txt"));
  g_assert_false (photo_indexer_is_photo_name ("png"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/photo-parse/unlabelled-lines", test_unlabelled_lines);
  g_test_add_func ("/photo-parse/labelled-and-numbered", test_labelled_and_numbered);
  g_test_add_func ("/photo-parse/one-line-and-empty", test_one_line_and_empty);
  g_test_add_func ("/photo-parse/photo-names", test_photo_names);
  return g_test_run ();
}
