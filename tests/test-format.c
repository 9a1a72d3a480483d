/* test-format.c — the shared number and string formatting (core/ft-format.h). */
#include "core/ft-format.h"

#include <math.h>

static void
test_thousands (void)
{
  char buf[32];
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, 0), ==, "0");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, 999), ==, "999");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, 1000), ==, "1,000");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, 101770), ==, "101,770");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, 12345678), ==, "12,345,678");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, -1234567), ==, "-1,234,567");
  g_assert_cmpstr (ft_format_thousands (buf, sizeof buf, INT64_MIN), ==, "-9,223,372,036,854,775,808");
  /* A buffer too small is cut, never overrun, and stays terminated. */
  char small[4];
  g_assert_cmpstr (ft_format_thousands (small, sizeof small, 123456), ==, "123");
}

static void
test_shortest (void)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, 0.01f, true), ==, "0.01");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, 0.9f, true), ==, "0.9");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, 0.1, false), ==, "0.1");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, 1e-7f, true), ==, "1e-07");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, 1.0 / 3.0, false), ==, "0.3333333333333333");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, NAN, false), ==, "nan");
  g_assert_cmpstr (ft_format_shortest (buf, sizeof buf, -INFINITY, true), ==, "-inf");
  /* Every float reads back as itself. */
  for (float f = 1e-30f; f < 1e30f; f *= 3.7f)
    {
      ft_format_shortest (buf, sizeof buf, f, true);
      g_assert_cmpfloat ((float) g_ascii_strtod (buf, NULL), ==, f);
    }
  g_assert_cmpfloat (ft_float_as_typed (0.9f), ==, 0.9);
  g_assert_cmpfloat (ft_float_as_typed (1e-3f), ==, 1e-3);
}

static void
test_json_string (void)
{
  GString *s = g_string_new (NULL);
  ft_json_append_string (s, "a\"b\\c\nd\te\x01\x7f é");
  g_assert_cmpstr (s->str, ==, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f é\"");
  g_string_free (s, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/thousands", test_thousands);
  g_test_add_func ("/format/shortest", test_shortest);
  g_test_add_func ("/format/json-string", test_json_string);
  return g_test_run ();
}
