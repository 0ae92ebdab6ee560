/* test-render.c: markdown to HTML and text, math to Unicode, display
 * widths and wrapping. Small cases are inline; whole summaries are golden
 * files in tests/render/ (NAME.md rendered must equal NAME.html and
 * NAME.txt byte for byte). */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "render.h"
#include "tap.h"
#include "util.h"

static const struct render_opts site = {
    .base_url = "https://www.shortscience.org/", .width = 72};

/* The rendering as a string the caller frees; "(error N)" on failure. */
static char *
html(const char *md, const struct render_opts *o)
{
  struct buf out = BUF_INIT(1 << 24);
  char err[32];

  char *s;

  if (render_html(md, strlen(md), o, &out, NULL) != SM_OK) {
    buf_free(&out);
    snprintf(err, sizeof(err), "(error)");
    return strdup(err);
  }
  s = strdup(buf_str(&out));
  buf_free(&out);
  return s;
}

static char *
text(const char *md, const struct render_opts *o)
{
  struct buf out = BUF_INIT(1 << 24);

  char *s;

  if (render_text(md, strlen(md), o, &out, NULL) != SM_OK) {
    buf_free(&out);
    return strdup("(error)");
  }
  s = strdup(buf_str(&out));
  buf_free(&out);
  return s;
}

static void
html_is(const char *md, const char *want, const char *name)
{
  char *got = html(md, &site);

  is_str(got, want, name);
  free(got);
}

static void
text_is(const char *md, const char *want, const char *name)
{
  char *got = text(md, &site);

  is_str(got, want, name);
  free(got);
}

static void
math_is(const char *tex, const char *want, int want_complete)
{
  struct buf out = BUF_INIT(1 << 16);
  char name[200];
  int complete = -1;

  snprintf(name, sizeof(name), "math %s", tex);
  ok(render_math(tex, strlen(tex), &out, &complete) == SM_OK, name);
  is_str(buf_str(&out), want, name);
  is_int(complete, want_complete, name);
  buf_free(&out);
}

static void
test_math(void)
{
  /* The cases the digest must get right. */
  math_is("10^{-4}", "10⁻⁴", 1);
  math_is("\\mathbb{R}^{128}", "ℝ¹²⁸", 1);
  math_is("\\alpha=0.9", "α=0.9", 1);
  math_is("O(n^2)", "O(n²)", 1);
  math_is("x_i", "xᵢ", 1);
  math_is("\\frac{1}{2}", "1/2", 1);
  math_is("\\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ", 1);
  math_is("\\mathcal{L}(\\theta)", "ℒ(θ)", 1);
  math_is("\\hat{y}", "ŷ", 1);
  /* Scripts without a Unicode form keep a readable notation. */
  math_is("x^{a+q}", "x^(a+q)", 1);
  math_is("p_c", "p_c", 1);
  math_is("x_{i,j}", "x_(i,j)", 1);
  math_is("e^{i\\pi}", "e^(iπ)", 1);
  math_is("x^*", "x*", 1);
  math_is("x^{(t)}", "x⁽ᵗ⁾", 1);
  math_is("\\mathbf{x}^\\top W", "𝐱ᵀ W", 1);
  math_is("f' = 2 \\cdot f", "f′ = 2 · f", 1);
  /* Fractions and roots get parentheses only around compound parts. */
  math_is("\\frac{a+b}{c+d}", "(a+b)/(c+d)", 1);
  math_is("\\frac{\\partial L}{\\partial w}", "∂L/∂w", 1);
  math_is("\\frac12", "1/2", 1);
  math_is("\\frac{(a+b)}{2}", "(a+b)/2", 1);
  math_is("\\sqrt{x}", "√x", 1);
  math_is("\\sqrt{x+y}", "√(x+y)", 1);
  math_is("\\sqrt[3]{8}", "∛8", 1);
  math_is("\\sqrt[n]{x}", "ⁿ√x", 1);
  /* Symbols, words, fonts, delimiters, spacing. */
  math_is("\\forall x \\in \\mathbb{N}, \\exists y \\notin \\emptyset",
          "∀x ∈ ℕ, ∃y ∉ ∅", 1);
  math_is("a \\leq b \\geq c \\neq d \\approx e \\sim f \\propto g",
          "a ≤ b ≥ c ≠ d ≈ e ∼ f ∝ g", 1);
  math_is("A \\subset B \\subseteq C \\cup D \\cap E", "A ⊂ B ⊆ C ∪ D ∩ E", 1);
  math_is("x \\to \\infty, f \\mapsto g, P \\Rightarrow Q \\leftarrow R",
          "x → ∞, f ↦ g, P ⇒ Q ← R", 1);
  math_is("\\prod_i \\int \\nabla \\pm \\times", "∏ᵢ ∫ ∇ ± ×", 1);
  math_is("1, \\ldots, n \\cdots", "1, …, n ⋯", 1);
  math_is("\\sin\\theta + \\log x - \\exp(\\max_i z_i)",
          "sin θ + log x - exp(maxᵢ zᵢ)", 1);
  math_is("\\arg\\min_\\theta \\lim_{n \\to \\infty}", "arg min_θ lim_(n → ∞)",
          1);
  math_is("\\mathrm{d}x + \\text{if } y + \\operatorname{Var}(X)",
          "dx + if y + Var(X)", 1);
  math_is("\\left( \\frac{a}{b} \\right) \\| x \\| \\{1, 2\\}",
          "(a/b) ‖ x ‖ {1, 2}", 1);
  math_is("a\\,b\\;c\\quad d", "a b c d", 1);
  math_is("\\varepsilon \\vartheta \\varphi \\epsilon \\phi \\Omega",
          "ε ϑ φ ϵ ϕ Ω", 1);
  math_is("\\bar{x} \\tilde{n} \\vec{v}", "x\xcc\x84 \xc3\xb1 v\xe2\x83\x97",
          1);
  math_is("\\hat{\\theta} \\dot{x} \\ddot{u}",
          "\xce\xb8\xcc\x82 \xe1\xba\x8b \xc3\xbc", 1);
  math_is("\\mathbb{Z} \\mathbb{Q} \\mathbb{C} \\mathbb E \\mathbb{1}",
          "ℤ ℚ ℂ 𝔼 𝟙", 1);
  math_is("\\mathcal{N}(\\mu, \\sigma^2)", "𝒩(μ, σ²)", 1);
  math_is("\\boldsymbol{\\theta} \\mathbf{W}", "𝛉 𝐖", 1);
  math_is("\\mathbf{xy}", "xy", 1);
  math_is("\\not= \\not\\in", "≠ ∉", 1);
  math_is("x_i^a", "xᵢᵃ", 1);
  /* Environments: rows on one line, cells joined by what they mean. */
  math_is("f(x) = \\begin{cases} x & \\text{if } x \\geq 0 \\\\ "
          "\\alpha(e^x - 1) & \\text{otherwise} \\end{cases}",
          "f(x) = { x, if x ≥ 0; α(eˣ - 1), otherwise }", 1);
  math_is("\\begin{cases} 1, & x > 0 \\\\ 0, & \\text{else}\\end{cases}",
          "{ 1, x > 0; 0, else }", 1);
  math_is("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", "(a, b; c, d)",
          1);
  math_is("W = \\begin{bmatrix} x \\\\ y \\\\ \\end{bmatrix}", "W = [x; y]",
          1);
  math_is("\\begin{vmatrix} a&b\\\\c&d \\end{vmatrix} \\begin{matrix} 1 "
          "\\end{matrix}",
          "|a, b; c, d| 1", 1);
  math_is("\\left[\\begin{array}{c|c} 1 & 2 \\\\ \\hline 3 & 4 "
          "\\end{array}\\right]",
          "[1, 2; 3, 4]", 1);
  math_is("\\begin{aligned} L &= a + b \\\\ &= c \\\\[2pt] y &= d "
          "\\end{aligned}",
          "L = a + b = c; y = d", 1);
  math_is("\\begin{align*} a &\\leq b \\\\ &+ c \\end{align*}", "a ≤ b + c",
          1);
  math_is("\\begin{alignat}{2} a &= b & c &= d \\end{alignat}", "a = b c = d",
          1);
  math_is("\\begin{equation} E = mc^2 \\end{equation}", "E = mc²", 1);
  math_is("\\begin{pmatrix} \\begin{matrix} a \\end{matrix} & b "
          "\\end{pmatrix}",
          "(a, b)", 1);
  math_is("  a  +   b  ", "a + b", 1);
  math_is("", "", 1);
  /* Anything unknown keeps the whole formula as TeX. */
  math_is("\\foo{x} + \\alpha", "\\foo{x} + \\alpha", 0);
  math_is("\\begin{tikzcd} a & b \\end{tikzcd}",
          "\\begin{tikzcd} a & b \\end{tikzcd}", 0);
  math_is("\\begin{cases} a \\end{pmatrix}", "\\begin{cases} a \\end{pmatrix}",
          0);
  math_is("\\begin{cases} a & b", "\\begin{cases} a & b", 0);
  math_is("\\begin{equation} a & b \\end{equation}",
          "\\begin{equation} a & b \\end{equation}", 0);
  math_is("\\begin{array} a \\end{array}", "\\begin{array} a \\end{array}", 0);
  math_is("a & b", "a & b", 0);
  math_is("\\hat{xy}", "\\hat{xy}", 0);
  math_is("x^", "x^", 0);
  math_is("{a", "{a", 0);
  math_is("a}", "a}", 0);
  math_is("a \\\\ b", "a \\\\ b", 0);
  math_is("\xff", "\xff", 0);

  {
    /* Deep nesting is refused, not a stack overflow. */
    struct buf deep = BUF_INIT(1 << 20), out = BUF_INIT(1 << 20);
    int complete = -1;

    for (int i = 0; i < 10000; i++)
      must(buf_puts(&deep, "{\\hat"));
    ok(render_math(deep.data, deep.len, &out, &complete) == SM_OK,
       "math: deep nesting");
    is_int(complete, 0, "math: deep nesting is incomplete");
    is_int(out.len, deep.len, "math: deep nesting kept as TeX");
    buf_free(&deep);
    buf_free(&out);
  }
  {
    /* The output bound holds. */
    struct buf out = BUF_INIT(4);

    is_int(render_math("\\alpha\\beta\\gamma", 18, &out, NULL), SM_ERR_LIMIT,
           "math: output bound");
    is_int(out.len, 0, "math: nothing left after the bound");
    buf_free(&out);
  }
}

static void
test_math_in_markdown(void)
{
  html_is("Weight decay $10^{-4}$.",
          "<p>Weight decay <span class=\"math\" title=\"10^{-4}\">10⁻⁴"
          "</span>.</p>\n",
          "html: inline math");
  text_is("Weight decay $10^{-4}$.", "Weight decay 10⁻⁴.\n",
          "text: inline math");
  /* Markdown would have eaten the underscores and the backslash. */
  html_is("$a_i b_i$ and $\\{x\\}$",
          "<p><span class=\"math\" title=\"a_i b_i\">aᵢ bᵢ</span> and "
          "<span class=\"math\" title=\"\\{x\\}\">{x}</span></p>\n",
          "html: math protected from markdown");
  html_is("It costs $5 and $10.", "<p>It costs $5 and $10.</p>\n",
          "html: prices are not math");
  html_is("Not math: $ x$ or $x $ or $1$0.",
          "<p>Not math: $ x$ or $x $ or $1$0.</p>\n",
          "html: the dollar rules");
  html_is("From $5 to 10$.",
          "<p>From <span class=\"math\" title=\"5 to 10\">5 to 10</span>."
          "</p>\n",
          "html: but this is math by the same rules");
  html_is("Pay \\$5 for $x$.",
          "<p>Pay $5 for <span class=\"math\" title=\"x\">x</span>.</p>\n",
          "html: escaped dollar");
  html_is("Code `$x_i$` is code.", "<p>Code <code>$x_i$</code> is code.</p>\n",
          "html: math in a code span");
  html_is("```\n$x_i$\n```\n\n    $y_j$\n",
          "<pre "
          "style=\"white-space:pre-wrap;word-wrap:break-word;overflow-x:"
          "auto\"><code>$x_i$\n</code></pre>\n<pre "
          "style=\"white-space:pre-wrap;word-wrap:break-word;overflow-x:"
          "auto\"><code>$y_j$\n</code></pre>\n",
          "html: math in code blocks");
  html_is("* item\n\n      $a_b$ code\n",
          "<ul>\n<li>\n<p>item</p>\n<pre "
          "style=\"white-space:pre-wrap;word-wrap:break-word;overflow-x:"
          "auto\"><code>$a_b$ code\n</code></pre>\n"
          "</li>\n</ul>\n",
          "html: math in an indented code block in a list");
  html_is("<https://example.org/$a_b$>",
          "<p><a href=\"https://example.org/$a_b$\">"
          "https://example.org/$a_b$</a></p>\n",
          "html: math in an autolink");
  html_is("[$x_1$](https://example.org/$y$)",
          "<p><a href=\"https://example.org/$y$\"><span class=\"math\" "
          "title=\"x_1\">x₁</span></a></p>\n",
          "html: math in link text and URL");
  html_is("a $x\n\nb$ c", "<p>a $x</p>\n<p>b$ c</p>\n",
          "html: math does not cross a blank line");
  html_is("\\(x^2\\) and \\(\\alpha\\)",
          "<p><span class=\"math\" title=\"x^2\">x²</span> and "
          "<span class=\"math\" title=\"\\alpha\">α</span></p>\n",
          "html: \\( \\) math");
  html_is("\\[x^2\\]",
          "<p style=\"text-align:center\"><span class=\"math display\" "
          "title=\"x^2\">x²</span></p>\n",
          "html: \\[ \\] math");
  html_is("See \\[1\\] and \\[2\\].", "<p>See [1] and [2].</p>\n",
          "html: escaped brackets are not math");
  html_is("$$\n\\frac{a+b}{2}\n$$",
          "<p style=\"text-align:center\"><span class=\"math display\" "
          "title=\"\\frac{a+b}{2}\">(a+b)/2</span></p>\n",
          "html: display math paragraph");
  html_is("$$\nf(x) = \\begin{cases} x & x > 0 \\\\ 0 & \\text{otherwise} "
          "\\end{cases}\n$$",
          "<p style=\"text-align:center\"><span class=\"math display\" "
          "title=\"f(x) = \\begin{cases} x &amp; x &gt; 0 \\\\ 0 &amp; "
          "\\text{otherwise} \\end{cases}\">f(x) = { x, x &gt; 0; 0, "
          "otherwise }</span></p>\n",
          "html: a cases environment reads as one line");
  html_is("So $$x<y$$ holds.",
          "<p>So <span class=\"math display\" "
          "style=\"display:block;text-align:center\" title=\"x&lt;y\">"
          "x&lt;y</span> holds.</p>\n",
          "html: display math inside a paragraph, escaped");
  html_is("$\\foo<x>$",
          "<p><span class=\"math\" title=\"\\foo&lt;x&gt;\">"
          "$\\foo&lt;x&gt;$</span></p>\n",
          "html: unconvertible math shown as TeX, escaped");
  html_is("![$\\alpha$ plot](a.png)",
          "<p><img style=\"max-width:100%;height:auto\" "
          "src=\"https://www.shortscience.org/a.png\" "
          "alt=\"α plot\" /></p>\n",
          "html: math in alt text is plain text");
  text_is("So $$x^2$$ holds, and this line is long enough to need "
          "wrapping after the formula, surely.",
          "So\n    x²\nholds, and this line is long enough to need "
          "wrapping after the formula,\nsurely.\n",
          "text: display math on its own indented line");
  text_is("A formula $a + b = c$ stays together when it fits: xxxxxxxx "
          "xxxxxxxx $p + q = r$.",
          "A formula a + b = c stays together when it fits: xxxxxxxx "
          "xxxxxxxx\np + q = r.\n",
          "text: inline math not broken at its spaces");
  text_is("`$x$` and $y$", "`$x$` and y\n", "text: code span and math");
}

static void
test_width(void)
{
  is_int(render_text_width("hello", 5), 5, "width: ascii");
  is_int(render_text_width("中文", 6), 4, "width: CJK is double");
  is_int(render_text_width("ｱｲ", 6), 2, "width: halfwidth katakana");
  is_int(render_text_width("Ｆ", 3), 2, "width: fullwidth latin");
  is_int(render_text_width("e\xcc\x81", 3), 1, "width: combining acute");
  is_int(render_text_width("x\xe2\x83\x97", 4), 1, "width: combining arrow");
  is_int(render_text_width("a\xe2\x80\x8b"
                           "b",
                           5),
         2, "width: zero-width space");
  is_int(render_text_width("\xf0\x9f\x98\x80", 4), 2, "width: emoji");
  is_int(render_text_width("한국어", 9), 6, "width: hangul");
  is_int(render_text_width("\xff"
                           "a",
                           2),
         2, "width: invalid byte is 1");
  is_int(render_text_width("a\tb", 3), 2, "width: control is 0");
  is_int(render_text_width("ℝ¹²⁸", strlen("ℝ¹²⁸")), 4, "width: math");
}

static void
wrap_is(const char *in, size_t width, const char *p1, const char *p2,
        const char *want, const char *name)
{
  struct buf out = BUF_INIT(1 << 16);

  ok(render_wrap(in, strlen(in), width, p1, p2, &out) == SM_OK, name);
  is_str(buf_str(&out), want, name);
  buf_free(&out);
}

static void
test_wrap(void)
{
  wrap_is("one two three four five six", 20, NULL, NULL,
          "one two three four\nfive six\n", "wrap: words");
  wrap_is("  spaced   out\n\twords  ", 72, NULL, NULL, "spaced out words\n",
          "wrap: white space collapses");
  wrap_is("", 72, "> ", "> ", "", "wrap: empty");
  wrap_is("   ", 72, NULL, NULL, "", "wrap: only spaces");
  wrap_is("short https://example.org/a/very/long/path/that/is/longer/than/"
          "twenty end",
          20, NULL, NULL,
          "short\nhttps://example.org/a/very/long/path/that/is/longer/than/"
          "twenty\nend\n",
          "wrap: a long URL on its own line, whole");
  wrap_is("first item text that wraps", 20, "1. ", "   ",
          "1. first item text\n   that wraps\n", "wrap: hanging indent");
  wrap_is("中文中文中文中文中文中文", 20, NULL, NULL,
          "中文中文中文中文中文\n中文\n",
          "wrap: CJK breaks between ideographs");
  wrap_is("一二三四五六七八九十。", 20, NULL, NULL,
          "一二三四五六七八九\n十。\n", "wrap: no break before a full stop");
  wrap_is("一二三四五六七八九「十」", 20, NULL, NULL,
          "一二三四五六七八九\n「十」\n", "wrap: no break after a bracket");
  wrap_is("漢字abc漢字", 8, NULL, NULL, "漢字abc\n漢字\n",
          "wrap: CJK next to latin breaks too");
  wrap_is("éééééééééé éééééééééé ééééé", 20, NULL, NULL,
          "éééééééééé\néééééééééé ééééé\n",
          "wrap: counts characters, not bytes");
  wrap_is("e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          " "
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81",
          20, NULL, NULL,
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          " "
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "e\xcc\x81"
          "\n",
          "wrap: combining marks take no column");
  wrap_is("a\x01"
          "b\x02"
          "c",
          72, NULL, NULL, "abc\n", "wrap: control characters dropped");
}

/* Every line of s: at most `width` columns unless it is one word; no
 * trailing space; valid UTF-8; ends in a newline. */
static int
lines_ok(const char *s, size_t width)
{
  const char *line = s, *nl;

  if (!util_utf8_valid(s, strlen(s)))
    return 0;
  if (*s && s[strlen(s) - 1] != '\n')
    return 0;
  for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
    size_t n = (size_t)(nl - line), lead = 0;

    if (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
      return 0;
    while (lead < n && line[lead] == ' ')
      lead++;
    if (render_text_width(line, n) > width &&
        memchr(line + lead, ' ', n - lead)) {
      diag("too long: %.*s", (int)n, line);
      return 0;
    }
  }
  return 1;
}

static void
test_text(void)
{
  struct buf md = BUF_INIT(1 << 20);
  char *t;

  text_is("", "", "text: empty summary");
  {
    /* Appends to what the buffer holds, and leaves it alone. */
    struct buf out = BUF_INIT(1 << 16);

    must(buf_puts(&out, "Summary:  "));
    ok(render_text("*\n\nx", 4, &site, &out, NULL) == SM_OK, "text: append");
    is_str(buf_str(&out), "Summary:    *\n\nx\n",
           "text: appends, trims its own");
    buf_reset(&out);
    must(buf_puts(&out, "<div>"));
    ok(render_html("x", 1, &site, &out, NULL) == SM_OK, "html: append");
    is_str(buf_str(&out), "<div><p>x</p>\n", "html: appends");
    buf_free(&out);
  }
  text_is("  \n\n \n", "", "text: blank summary");
  t = html("", &site);
  is_str(t, "", "html: empty summary");
  free(t);
  text_is("# 中文标题\n\nbody", "中文标题\n========\n\nbody\n",
          "text: underline as wide as a CJK heading");
  text_is("### Deep\n", "Deep\n----\n", "text: level 3 heading");
  text_is("1. a\n2. b\n3. c\n4. d\n5. e\n6. f\n7. g\n8. h\n9. i\n10. j\n",
          "   1. a\n   2. b\n   3. c\n   4. d\n   5. e\n   6. f\n   7. g\n"
          "   8. h\n   9. i\n  10. j\n",
          "text: numbers aligned");
  text_is("7) x\n8) y\n", "  7) x\n  8) y\n",
          "text: list start and delimiter");
  text_is("* a\n  * b\n    * c\n", "  * a\n      * b\n          * c\n",
          "text: nested bullets");
  text_is("* > quoted\n  > more\n", "  * > quoted more\n",
          "text: quote in an item");
  text_is("> * a\n> * b\n", ">   * a\n>   * b\n", "text: list in a quote");
  text_is("*\n* b\n", "  *\n  * b\n", "text: empty item keeps its marker");
  /* Found by fuzzing: an empty quote's prefix leaked onto what followed. */
  text_is("a\n\n> > >\n\nb c d\n", "a\n\n> > >\n\nb c d\n",
          "text: empty quote keeps its marker, and only there");
  text_is("para\n* a\n* b\n\nafter\n", "para\n\n  * a\n  * b\n\nafter\n",
          "text: blank lines around a tight list");
  text_is("a <b>bold</b> and <i>x</i>", "a bold and x\n",
          "text: inline HTML dropped");
  text_is("x  \ny", "x\ny\n", "text: hard break");
  text_is("[see](http://example.org) and [again](http://example.org) and "
          "[other](http://example.org/2)",
          "see [1] and again [1] and other [2]\n\n"
          "[1] http://example.org\n[2] http://example.org/2\n",
          "text: references numbered once per URL");
  text_is("<http://example.org/a> and <me@example.org>",
          "http://example.org/a and me@example.org\n",
          "text: autolinks without references");
  text_is("[](http://example.org/e)", "http://example.org/e\n",
          "text: empty link text shows the URL");
  text_is("[a b](<http://example.org/x y>)",
          "a b [1]\n\n[1] http://example.org/x%20y\n",
          "text: URL percent-encoded in the list");
  text_is("![pic](data:image/png;base64,AAAA)", "[image: pic]\n",
          "text: data: image has no reference");

  /* Many words and long words: the width holds everywhere. */
  for (int i = 0; i < 200; i++) {
    must(buf_puts(&md, i % 17 == 0
                           ? "https://example.org/a/very/long/url/that/"
                             "does/not/fit/on/any/line/at/all/xxxxxxxxxx "
                           : "word "));
    if (i % 23 == 0)
      must(buf_puts(&md, "中文中文中文中文中文中文中文中文中文中文中文中文 "));
    if (i % 31 == 0)
      must(buf_puts(&md, "$\\sum_{i=1}^{n} x_i + \\alpha \\cdot \\beta$ "));
    if (i % 50 == 49)
      must(buf_puts(&md,
                    "\n\n* item with words words words words words words "
                    "words words words words words words\n\n> quote quote "
                    "quote quote quote quote quote quote quote quote quote "
                    "quote\n\n"));
  }
  t = text(md.data, &site);
  ok(lines_ok(t, 72), "text: every line within 72 columns or one word");
  free(t);
  {
    struct render_opts narrow = site;

    narrow.width = 30;
    t = text(md.data, &narrow);
    ok(lines_ok(t, 30), "text: every line within 30 columns or one word");
    free(t);
    narrow.width = 5; /* raised to RENDER_MIN_WIDTH */
    t = text(md.data, &narrow);
    ok(lines_ok(t, RENDER_MIN_WIDTH), "text: tiny width raised");
    free(t);
  }

  /* Deep nesting stops indenting instead of running off the line. */
  buf_reset(&md);
  for (int i = 0; i < 300; i++)
    must(buf_puts(&md, "> "));
  must(buf_puts(&md,
                "deep words words words words words words words words words "
                "words words words words words words words words words\n"));
  for (int i = 0; i < 100; i++) {
    for (int j = 0; j < i; j++)
      must(buf_puts(&md, "  "));
    must(buf_puts(&md,
                  "* item words words words words words words words words\n"));
  }
  t = text(md.data, &site);
  ok(lines_ok(t, 72), "text: deep nesting within the width");
  ok(strstr(t, "deep words") != NULL, "text: deep nesting keeps the text");
  free(t);
  t = html(md.data, &site);
  ok(strstr(t, "deep words") != NULL, "html: deep nesting");
  free(t);
  /* Lists nested in a quote: items then sit where the renderer's stack
   * grows (found by fuzzing: a pointer into it was kept across). */
  buf_reset(&md);
  for (int i = 0; i < 100; i++) {
    must(buf_puts(&md, "> "));
    for (int j = 0; j < i; j++)
      must(buf_puts(&md, "   "));
    must(buf_puts(&md, "1. item\n"));
  }
  t = text(md.data, &site);
  ok(strncmp(t, ">   1. item\n>        1. item\n", 29) == 0,
     "text: lists nested in a quote");
  ok(lines_ok(t, 72), "text: lists nested in a quote within the width");
  free(t);

  /* Invalid UTF-8 and control characters do not reach the output. */
  t = text("bad \xff\xfe byte \x01 and \x7f and &#1; and \xc0\xaf", &site);
  is_str(t,
         "bad \xef\xbf\xbd\xef\xbf\xbd byte and and and "
         "\xef\xbf\xbd\xef\xbf\xbd\n",
         "text: invalid UTF-8 replaced, controls dropped");
  free(t);
  t = html("bad \xff byte &#1; and \xef\xb7\x90"
           "0\xef\xb7\x91",
           &site);
  is_str(t,
         "<p>bad \xef\xbf\xbd byte  and \xef\xbf\xbd"
         "0\xef\xbf\xbd</p>\n",
         "html: invalid UTF-8, controls and placeholder characters");
  free(t);
  buf_free(&md);
}

static void
test_unsafe(void)
{
  html_is("<script>alert(1)</script>", "", "html: script block omitted");
  html_is("a <script>alert(1)</script> b", "<p>a alert(1) b</p>\n",
          "html: inline script tags omitted");
  html_is("[x](javascript:alert(1))", "<p>x</p>\n",
          "html: javascript: link dropped");
  html_is("[x](JAVASCRIPT:alert(1)) [y](&#x6A;avascript:alert(1)) "
          "[z](<java\tscript:alert(1)>) [w](vbscript:x) [v](file:///x) "
          "[u](data:text/html,x)",
          "<p>x y z w v u</p>\n", "html: disguised unsafe links dropped");
  html_is("![i](javascript:alert(1))", "<p>i</p>\n",
          "html: javascript: image becomes its alt text");
  html_is("![i](data:image/webp;base64,AAAA) ![j](data:image/svg+xml,x)",
          "<p><img style=\"max-width:100%;height:auto\" "
          "src=\"data:image/webp;base64,AAAA\" alt=\"i\" /> j</p>\n",
          "html: data: images only of safe types");
  html_is("[a](mailto:x@example.org) [b](HTTPS://example.org/)",
          "<p><a href=\"mailto:x@example.org\">a</a> "
          "<a href=\"HTTPS://example.org/\">b</a></p>\n",
          "html: allowed schemes kept");
  html_is("<a href=\"javascript:x\" onclick=\"y\">t</a>", "<p>t</p>\n",
          "html: raw anchors omitted");
  html_is("a<br>b<BR/>c", "<p>a<br />\nb<br />\nc</p>\n",
          "html: <br> becomes a line break");
  html_is("[t](/a \"x\\\"<y>\")",
          "<p><a href=\"https://www.shortscience.org/a\" "
          "title=\"x&quot;&lt;y&gt;\">t</a></p>\n",
          "html: titles escaped");
  html_is("```js\nx\n```",
          "<pre "
          "style=\"white-space:pre-wrap;word-wrap:break-word;overflow-x:"
          "auto\"><code>x\n</code></pre>\n",
          "html: no classes from info strings");
  html_is("![](x.png)",
          "<p><img style=\"max-width:100%;height:auto\" "
          "src=\"https://www.shortscience.org/x.png\" "
          "alt=\"image\" /></p>\n",
          "html: images get alt text");
  html_is("a ![]() b", "<p>a  b</p>\n",
          "html: image without a source dropped");
}

static void
url_is(const char *base, const char *ref, const char *want)
{
  struct render_opts o = {.base_url = base, .width = 72};
  char md[512], exp[512], name[600];
  char *got;

  snprintf(md, sizeof(md), "[x](%s)", ref);
  snprintf(exp, sizeof(exp), "<p><a href=\"%s\">x</a></p>\n", want);
  snprintf(name, sizeof(name), "url %s + %s", base ? base : "(null)", ref);
  got = html(md, &o);
  is_str(got, exp, name);
  free(got);
}

static void
test_urls(void)
{
  const char *b = "https://www.shortscience.org/dir/page?q=1#f";

  url_is(b, "/a", "https://www.shortscience.org/a");
  url_is(b, "a", "https://www.shortscience.org/dir/a");
  url_is(b, "../a", "https://www.shortscience.org/a");
  url_is(b, "../../../a", "https://www.shortscience.org/a");
  url_is(b, "./b/../c?x=1#y", "https://www.shortscience.org/dir/c?x=1#y");
  url_is(b, "?x", "https://www.shortscience.org/dir/page?x");
  url_is(b, "#y", "https://www.shortscience.org/dir/page?q=1#y");
  url_is(b, "//cdn.example.org/i.png", "https://cdn.example.org/i.png");
  url_is(b, "/a/./b/../c/.", "https://www.shortscience.org/a/c/");
  url_is("https://www.shortscience.org", "paper",
         "https://www.shortscience.org/paper");
  url_is(b, "http://other.example/x", "http://other.example/x");
  url_is(NULL, "/relative", "/relative");
}

/* The text rendering of md cut at max words, without the more link. */
static char *
cut_text(const char *md, size_t max, int *cut)
{
  struct render_opts o = site;
  struct buf out = BUF_INIT(1 << 16);

  o.max_words = max;
  *cut = -1;
  if (render_text(md, strlen(md), &o, &out, cut) != SM_OK)
    return strdup("(error)");
  return buf_detach(&out);
}

static void
cut_is(const char *md, size_t max, const char *want, int want_cut,
       const char *name)
{
  int cut;
  char *got = cut_text(md, max, &cut);

  is_str(got, want, name);
  is_int(cut, want_cut, name);
  free(got);
}

static void
test_cut(void)
{
  struct render_opts o = site;
  struct buf out = BUF_INIT(1 << 16);
  const char *two = "One two three four five. Six seven eight nine ten "
                    "eleven twelve.\n\nThirteen fourteen.\n";
  int cut = -1;

  cut_is(two, 100,
         "One two three four five. Six seven eight nine ten eleven "
         "twelve.\n\nThirteen fourteen.\n",
         0, "cut: a summary within the limit is whole");
  /* 12 words, a second paragraph (5 more), 2 words. */
  cut_is(two, 19,
         "One two three four five. Six seven eight nine ten eleven "
         "twelve.\n\nThirteen fourteen.\n",
         0, "cut: exactly the limit is whole");
  cut_is(two, 13,
         "One two three four five. Six seven eight nine ten eleven "
         "twelve.\n",
         1, "cut: at the end of the paragraph in the last third");
  cut_is(two, 7, "One two three four five.\n", 1,
         "cut: at the end of a sentence in the last third");
  cut_is(two, 11,
         "One two three four five. Six seven eight nine ten eleven "
         "…\n",
         1, "cut: no sentence end near: at a word, with an ellipsis");
  cut_is("It is e.g. better. Or J. Smith said so here.\n", 7,
         "It is e.g. better. Or J. Smith …\n", 1,
         "cut: abbreviations and initials end no sentence");
  cut_is("Decay is $10^{-4} \\cdot x$ here and more words\n", 3,
         "Decay is 10⁻⁴ · x …\n", 1,
         "cut: a formula is one word, never split");
  cut_is("See `a b c d` now\n", 2, "See …\n", 1,
         "cut: a code span is kept or dropped whole");
  cut_is("Read [the very long link text](http://x.org/) now\n", 3, "Read …\n",
         1, "cut: a link is kept or dropped whole");
  cut_is("First para here.\n\n## Heading\n\n[a b c d e f](http://x.org/) "
         "tail\n",
         10, "First para here.\n", 1,
         "cut: an excerpt never ends in a heading");
  cut_is("First para here.\n\n* one two\n* three four\n* five six\n", 10,
         "First para here.\n\n  * one two\n", 1,
         "cut: after a list item in the last third (each item costs 5 "
         "words more)");
  cut_is("First para here.\n\n* one two\n* three four\n* five six\n", 6,
         "First para here.\n", 1,
         "cut: a list item that does not fit is dropped whole");
  /* A heading that swallowed its paragraph. */
  cut_is("## Evaluation The learning rate starts at 0.1 and is divided by 10 "
         "when the error plateaus.\n",
         0,
         "Evaluation The learning rate starts at 0.1 and is divided by 10 "
         "when the\n"
         "error plateaus.\n",
         0, "headings: a long heading without a colon is a paragraph");
  cut_is("#### What is DRAW: The deep recurrent attention writer (DRAW) model "
         "has two differences.\n",
         0,
         "What is DRAW\n------------\n\nThe deep recurrent attention writer "
         "(DRAW) model has two differences.\n",
         0, "headings: a long heading keeps what comes before its colon");
  cut_is("## Short heading: fine\n\nText.\n", 0,
         "Short heading: fine\n-------------------\n\nText.\n", 0,
         "headings: a short heading stays whole");

  /* The more link, in both renderings, at the same cut. */
  o.more_url = "https://www.shortscience.org/paper?bibtexKey=x";
  o.max_words = 7;
  ok(render_text(two, strlen(two), &o, &out, &cut) == SM_OK, "cut: text");
  is_int(cut, 1, "cut: was_cut");
  is_str(buf_str(&out),
         "One two three four five.\n\nRead the full summary: "
         "https://www.shortscience.org/paper?bibtexKey=x\n",
         "cut: text with the link");
  buf_reset(&out);
  cut = -1;
  ok(render_html(two, strlen(two), &o, &out, &cut) == SM_OK, "cut: html");
  is_int(cut, 1, "cut: html was_cut");
  is_str(buf_str(&out),
         "<p>One two three four five.</p>\n"
         "<p><a href=\"https://www.shortscience.org/paper?bibtexKey=x\">"
         "Read the full summary</a></p>\n",
         "cut: html at the same place, with the link");
  buf_free(&out);
}

static void
test_limits(void)
{
  struct buf out = BUF_INIT(10), big = BUF_INIT(RENDER_MAX_INPUT + 100);
  const char *md = "A paragraph that is longer than ten bytes.";

  is_int(render_html(md, strlen(md), &site, &out, NULL), SM_ERR_LIMIT,
         "limits: html output bound");
  is_int(render_text(md, strlen(md), &site, &out, NULL), SM_ERR_LIMIT,
         "limits: text output bound");
  buf_free(&out);
  buf_init(&out, 1 << 20);
  for (size_t i = 0; i <= RENDER_MAX_INPUT; i += 64)
    must(buf_puts(
        &big,
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"));
  is_int(render_text(big.data, big.len, NULL, &out, NULL), SM_ERR_LIMIT,
         "limits: input bound");
  buf_free(&big);
  buf_free(&out);
}

/* Inputs that would make a naive scanner quadratic: every unmatched
 * opener searching to the end of a huge paragraph. */
static void
test_linear(void)
{
  static const char *const units[] = {"$a ",    "$$a ", "\\(a ", "`a ``b ",
                                      "\\[a\n", "[a](", "*a _b "};
  struct buf md = BUF_INIT(1 << 22), out = BUF_INIT(1 << 24);

  for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
    char name[64];
    clock_t t0;
    double secs;

    buf_reset(&md);
    while (md.len < 300000)
      must(buf_puts(&md, units[u]));
    t0 = clock();
    buf_reset(&out);
    ok(render_text(md.data, md.len, NULL, &out, NULL) == SM_OK, "linear");
    buf_reset(&out);
    ok(render_html(md.data, md.len, NULL, &out, NULL) == SM_OK, "linear");
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    snprintf(name, sizeof(name), "linear: 300 KB of \"%s\" (%.2fs)", units[u],
             secs);
    /* Quadratic would be minutes; generous for sanitizer builds. */
    ok(secs < 10.0, name);
  }
  buf_free(&md);
  buf_free(&out);
}

static char *
slurp(const char *dir, const char *name, const char *ext)
{
  struct buf b = BUF_INIT(1 << 22);
  char path[1024];

  snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
  if (util_read_file(path, &b) != SM_OK) {
    buf_free(&b);
    return NULL;
  }
  if (!b.data)
    return strdup("");
  return buf_detach(&b);
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_golden(void)
{
  const char *top = getenv("top_srcdir");
  char dir[1024], *names[64];
  size_t n = 0;
  struct dirent *de;
  DIR *d;

  snprintf(dir, sizeof(dir), "%s/tests/render", top ? top : ".");
  d = opendir(dir);
  if (!ok(d != NULL, "golden: tests/render exists"))
    return;
  while ((de = readdir(d)) != NULL && n < 64) {
    size_t len = strlen(de->d_name);

    if (len > 3 && strcmp(de->d_name + len - 3, ".md") == 0)
      names[n++] = strndup(de->d_name, len - 3);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  ok(n >= 5, "golden: the cases are there");
  for (size_t i = 0; i < n; i++) {
    char *md = slurp(dir, names[i], "md");
    char *want_html = slurp(dir, names[i], "html");
    char *want_text = slurp(dir, names[i], "txt");
    char name[200], *got;

    snprintf(name, sizeof(name), "golden %s", names[i]);
    ok(md && want_html && want_text, name);
    if (md && want_html && want_text) {
      got = html(md, &site);
      snprintf(name, sizeof(name), "golden %s.html", names[i]);
      is_str(got, want_html, name);
      free(got);
      got = text(md, &site);
      snprintf(name, sizeof(name), "golden %s.txt", names[i]);
      is_str(got, want_text, name);
      ok(lines_ok(got, 72), name);
      free(got);
    }
    free(md);
    free(want_html);
    free(want_text);
    free(names[i]);
  }
}

static const char *
cite_title(void *ctx, const char *key)
{
  (void)ctx;
  if (!strcmp(key, "journals/corr/GalG15"))
    return "Dropout as a [Bayesian] *Approximation*";
  return NULL;
}

/* The site's text: links and images without URLs, \cite{KEY}. */
static void
test_site_text(void)
{
  struct render_opts o = site;
  char *got;

  html_is("See [DenseNets]() and ![]() and ![a figure]() here.",
          "<p>See DenseNets and  and  here.</p>\n",
          "site: [text]() is its text, ![]() nothing (HTML)");
  got = text("See [DenseNets]() and ![]() and ![a figure]() here.", &site);
  is_str(got, "See DenseNets and and here.\n",
         "site: [text]() is its text, ![]() nothing (text)");
  free(got);

  o.cite_title = cite_title;
  got =
      html("As \\cite{journals/corr/GalG15} and \\cite{a b&c, x/y} show.", &o);
  is_str(got,
         "<p>As <a "
         "href=\"https://www.shortscience.org/paper?bibtexKey=journals/corr/"
         "GalG15\">Dropout as a [Bayesian] *Approximation*</a> and <a "
         "href=\"https://www.shortscience.org/paper?bibtexKey=a%20b%26c\">a "
         "b&amp;c</a>, <a "
         "href=\"https://www.shortscience.org/paper?bibtexKey=x/y\">x/y</a> "
         "show.</p>\n",
         "cite: a link to the paper named by its title, else its key (HTML)");
  free(got);
  got = text("As \\cite{journals/corr/GalG15} shows.", &o);
  is_str(got,
         "As Dropout as a [Bayesian] *Approximation* [1] shows.\n\n"
         "[1] https://www.shortscience.org/paper?bibtexKey=journals/corr/"
         "GalG15\n",
         "cite: a link in text too");
  free(got);
  got = html("Code `\\cite{k}`, math $\\cite{k}$ and \\cite{} stay.", &o);
  ok(got && !strstr(got, "<a "), "cite: not in code or math, not empty");
  free(got);

  o.excerpt = 1;
  o.more_url = "https://www.shortscience.org/paper?bibtexKey=k#anon";
  got = html("The site's excerpt\xE2\x80\xA6", &o);
  ok(got && strstr(got, ">Read the full summary</a>") &&
         strstr(got, "bibtexKey=k#anon"),
     "an excerpt ends with a link to the whole summary (HTML)");
  free(got);
  got = text("The site's excerpt\xE2\x80\xA6", &o);
  ok(got && strstr(got, "Read the full summary:") &&
         strstr(got, "https://www.shortscience.org/paper?bibtexKey=k#anon"),
     "an excerpt ends with a link to the whole summary (text)");
  free(got);
}

int
main(void)
{
  test_site_text();
  test_math();
  test_math_in_markdown();
  test_width();
  test_wrap();
  test_text();
  test_unsafe();
  test_urls();
  test_cut();
  test_limits();
  test_linear();
  test_golden();
  return done_testing();
}
