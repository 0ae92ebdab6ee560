/* render_math.c: TeX math as Unicode text (render_math in render.h).
 *
 * A summary's math is mostly short: a symbol, a power, an index, a
 * fraction. Mail readers cannot run MathJax, so the digest shows such
 * formulas with Unicode: Greek letters, operators, super- and subscript
 * characters, letterlike and mathematical alphanumeric symbols. The
 * converter is a small recursive-descent reader over TeX tokens that
 * writes into the output buffer as it goes and rewrites a region in place
 * when a construct needs its argument first (scripts, fractions, fonts).
 * Anything it does not know marks the formula incomplete, and then the
 * caller gets the original TeX back: a reader can read TeX, but not a
 * formula with a silently missing piece. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "render.h"
#include "util.h"

/* Nesting of groups and commands; real formulas use a handful, and the
 * bound keeps hostile input from exhausting the stack. */
#define MATH_MAX_DEPTH 64

enum mkind {
  MK_SYM,     /* a symbol: the string */
  MK_OPEN,    /* an opening delimiter */
  MK_CLOSE,   /* a closing delimiter: no space before it */
  MK_WORD,    /* an upright operator name (log, sin) */
  MK_SPACE,   /* \, \quad: one space */
  MK_NOTHING, /* \displaystyle, \limits: no output */
  MK_DELIM,   /* \left, \big: the delimiter follows; "." is none */
  MK_FONT,    /* a math alphabet: b(lackboard) c(al) f(rak) B(old) r(oman) */
  MK_TEXT,    /* \text{...}: text mode */
  MK_OPNAME,  /* \operatorname{...} */
  MK_MATHOP,  /* \mathop{...} */
  MK_ACCENT,  /* a combining mark over one character */
  MK_LINE,    /* a combining mark after every character */
  MK_FRAC,
  MK_BINOM,
  MK_SQRT,
  MK_NOT,
  MK_MOD,   /* \bmod */
  MK_PMOD,  /* \pmod{n} */
  MK_OVER,  /* \overset{a}{b}: b with a superscript */
  MK_UNDER, /* \underset{a}{b}: b with a subscript */
  MK_SKIP,  /* \phantom{...}, \label{...}: the argument is not shown */
  MK_TAG,   /* \tag{n}: " (n)" */
  MK_ARG,   /* \boxed{...}: the argument as it is */
  MK_ENV    /* \begin{cases}: an environment, rows on one line */
};

struct mcmd {
  const char *name;
  enum mkind kind;
  const char *str;
};

/* Sorted by strcmp for bsearch. */
static const struct mcmd math_cmds[] = {
    {" ", MK_SPACE, ""},
    {"!", MK_NOTHING, ""},
    {"#", MK_SYM, "#"},
    {"$", MK_SYM, "$"},
    {"%", MK_SYM, "%"},
    {"&", MK_SYM, "&"},
    {",", MK_SPACE, ""},
    {"-", MK_NOTHING, ""},
    {"/", MK_NOTHING, ""},
    {":", MK_SPACE, ""},
    {";", MK_SPACE, ""},
    {">", MK_SPACE, ""},
    {"Alpha", MK_SYM, "Α"},
    {"Bbb", MK_FONT, "b"},
    {"Beta", MK_SYM, "Β"},
    {"Big", MK_DELIM, ""},
    {"Bigg", MK_DELIM, ""},
    {"Biggl", MK_DELIM, ""},
    {"Biggr", MK_DELIM, ""},
    {"Bigl", MK_DELIM, ""},
    {"Bigm", MK_DELIM, ""},
    {"Bigr", MK_DELIM, ""},
    {"Box", MK_SYM, "□"},
    {"Chi", MK_SYM, "Χ"},
    {"Delta", MK_SYM, "Δ"},
    {"Diamond", MK_SYM, "◇"},
    {"Downarrow", MK_SYM, "⇓"},
    {"Epsilon", MK_SYM, "Ε"},
    {"Eta", MK_SYM, "Η"},
    {"Gamma", MK_SYM, "Γ"},
    {"Im", MK_SYM, "ℑ"},
    {"Iota", MK_SYM, "Ι"},
    {"Kappa", MK_SYM, "Κ"},
    {"Lambda", MK_SYM, "Λ"},
    {"Leftarrow", MK_SYM, "⇐"},
    {"Leftrightarrow", MK_SYM, "⇔"},
    {"Longleftarrow", MK_SYM, "⟸"},
    {"Longleftrightarrow", MK_SYM, "⟺"},
    {"Longrightarrow", MK_SYM, "⟹"},
    {"Mu", MK_SYM, "Μ"},
    {"Nu", MK_SYM, "Ν"},
    {"Omega", MK_SYM, "Ω"},
    {"Omicron", MK_SYM, "Ο"},
    {"P", MK_SYM, "¶"},
    {"Phi", MK_SYM, "Φ"},
    {"Pi", MK_SYM, "Π"},
    {"Pr", MK_WORD, "Pr"},
    {"Psi", MK_SYM, "Ψ"},
    {"Re", MK_SYM, "ℜ"},
    {"Rho", MK_SYM, "Ρ"},
    {"Rightarrow", MK_SYM, "⇒"},
    {"S", MK_SYM, "§"},
    {"Sigma", MK_SYM, "Σ"},
    {"Tau", MK_SYM, "Τ"},
    {"Theta", MK_SYM, "Θ"},
    {"Uparrow", MK_SYM, "⇑"},
    {"Upsilon", MK_SYM, "Υ"},
    {"Vert", MK_SYM, "‖"},
    {"Xi", MK_SYM, "Ξ"},
    {"Zeta", MK_SYM, "Ζ"},
    {"_", MK_SYM, "_"},
    {"acute", MK_ACCENT, "\xcc\x81"},
    {"aleph", MK_SYM, "ℵ"},
    {"allowbreak", MK_NOTHING, ""},
    {"alpha", MK_SYM, "α"},
    {"amalg", MK_SYM, "⨿"},
    {"angle", MK_SYM, "∠"},
    {"approx", MK_SYM, "≈"},
    {"approxeq", MK_SYM, "≊"},
    {"arccos", MK_WORD, "arccos"},
    {"arcsin", MK_WORD, "arcsin"},
    {"arctan", MK_WORD, "arctan"},
    {"arg", MK_WORD, "arg"},
    {"argmax", MK_WORD, "argmax"},
    {"argmin", MK_WORD, "argmin"},
    {"ast", MK_SYM, "∗"},
    {"asymp", MK_SYM, "≍"},
    {"backslash", MK_SYM, "\\"},
    {"bar", MK_ACCENT, "\xcc\x84"},
    {"because", MK_SYM, "∵"},
    {"begin", MK_ENV, ""},
    {"beta", MK_SYM, "β"},
    {"beth", MK_SYM, "ℶ"},
    {"big", MK_DELIM, ""},
    {"bigcap", MK_SYM, "⋂"},
    {"bigcup", MK_SYM, "⋃"},
    {"bigg", MK_DELIM, ""},
    {"biggl", MK_DELIM, ""},
    {"biggr", MK_DELIM, ""},
    {"bigl", MK_DELIM, ""},
    {"bigm", MK_DELIM, ""},
    {"bigodot", MK_SYM, "⨀"},
    {"bigoplus", MK_SYM, "⨁"},
    {"bigotimes", MK_SYM, "⨂"},
    {"bigr", MK_DELIM, ""},
    {"bigsqcup", MK_SYM, "⨆"},
    {"bigstar", MK_SYM, "★"},
    {"bigtriangledown", MK_SYM, "▽"},
    {"bigtriangleup", MK_SYM, "△"},
    {"biguplus", MK_SYM, "⨄"},
    {"bigvee", MK_SYM, "⋁"},
    {"bigwedge", MK_SYM, "⋀"},
    {"binom", MK_BINOM, ""},
    {"blacksquare", MK_SYM, "■"},
    {"bm", MK_FONT, "B"},
    {"bmod", MK_MOD, ""},
    {"boldsymbol", MK_FONT, "B"},
    {"bot", MK_SYM, "⊥"},
    {"bowtie", MK_SYM, "⋈"},
    {"boxed", MK_ARG, ""},
    {"breve", MK_ACCENT, "\xcc\x86"},
    {"bullet", MK_SYM, "•"},
    {"cap", MK_SYM, "∩"},
    {"cdot", MK_SYM, "·"},
    {"cdotp", MK_SYM, "·"},
    {"cdots", MK_SYM, "⋯"},
    {"centerdot", MK_SYM, "·"},
    {"cfrac", MK_FRAC, ""},
    {"check", MK_ACCENT, "\xcc\x8c"},
    {"checkmark", MK_SYM, "✓"},
    {"chi", MK_SYM, "χ"},
    {"circ", MK_SYM, "∘"},
    {"colon", MK_SYM, ":"},
    {"coloneqq", MK_SYM, "≔"},
    {"complement", MK_SYM, "∁"},
    {"cong", MK_SYM, "≅"},
    {"coprod", MK_SYM, "∐"},
    {"cos", MK_WORD, "cos"},
    {"cosh", MK_WORD, "cosh"},
    {"cot", MK_WORD, "cot"},
    {"coth", MK_WORD, "coth"},
    {"csc", MK_WORD, "csc"},
    {"cup", MK_SYM, "∪"},
    {"dagger", MK_SYM, "†"},
    {"dashv", MK_SYM, "⊣"},
    {"dbinom", MK_BINOM, ""},
    {"ddagger", MK_SYM, "‡"},
    {"dddot", MK_ACCENT, "\xe2\x83\x9b"},
    {"ddot", MK_ACCENT, "\xcc\x88"},
    {"ddots", MK_SYM, "⋱"},
    {"deg", MK_WORD, "deg"},
    {"degree", MK_SYM, "°"},
    {"delta", MK_SYM, "δ"},
    {"det", MK_WORD, "det"},
    {"dfrac", MK_FRAC, ""},
    {"diamond", MK_SYM, "⋄"},
    {"digamma", MK_SYM, "ϝ"},
    {"dim", MK_WORD, "dim"},
    {"displaystyle", MK_NOTHING, ""},
    {"div", MK_SYM, "÷"},
    {"dot", MK_ACCENT, "\xcc\x87"},
    {"doteq", MK_SYM, "≐"},
    {"dots", MK_SYM, "…"},
    {"dotsb", MK_SYM, "⋯"},
    {"dotsc", MK_SYM, "…"},
    {"dotsm", MK_SYM, "⋯"},
    {"dotso", MK_SYM, "…"},
    {"downarrow", MK_SYM, "↓"},
    {"ell", MK_SYM, "ℓ"},
    {"emptyset", MK_SYM, "∅"},
    {"enspace", MK_SPACE, ""},
    {"epsilon", MK_SYM, "ϵ"},
    {"eqqcolon", MK_SYM, "≕"},
    {"equiv", MK_SYM, "≡"},
    {"eta", MK_SYM, "η"},
    {"eth", MK_SYM, "ð"},
    {"exists", MK_SYM, "∃"},
    {"exp", MK_WORD, "exp"},
    {"forall", MK_SYM, "∀"},
    {"frac", MK_FRAC, ""},
    {"frown", MK_SYM, "⌢"},
    {"gamma", MK_SYM, "γ"},
    {"gcd", MK_WORD, "gcd"},
    {"ge", MK_SYM, "≥"},
    {"geq", MK_SYM, "≥"},
    {"geqslant", MK_SYM, "⩾"},
    {"gets", MK_SYM, "←"},
    {"gg", MK_SYM, "≫"},
    {"ggg", MK_SYM, "⋙"},
    {"grave", MK_ACCENT, "\xcc\x80"},
    {"gtrsim", MK_SYM, "≳"},
    {"hat", MK_ACCENT, "\xcc\x82"},
    {"hbar", MK_SYM, "ℏ"},
    {"hbox", MK_TEXT, ""},
    {"hdashline", MK_NOTHING, ""},
    {"hline", MK_NOTHING, ""},
    {"hom", MK_WORD, "hom"},
    {"hookleftarrow", MK_SYM, "↩"},
    {"hookrightarrow", MK_SYM, "↪"},
    {"hphantom", MK_SKIP, ""},
    {"hslash", MK_SYM, "ℏ"},
    {"iff", MK_SYM, "⟺"},
    {"iiint", MK_SYM, "∭"},
    {"iint", MK_SYM, "∬"},
    {"imath", MK_SYM, "ı"},
    {"impliedby", MK_SYM, "⟸"},
    {"implies", MK_SYM, "⟹"},
    {"in", MK_SYM, "∈"},
    {"inf", MK_WORD, "inf"},
    {"infty", MK_SYM, "∞"},
    {"int", MK_SYM, "∫"},
    {"intercal", MK_SYM, "⊺"},
    {"iota", MK_SYM, "ι"},
    {"jmath", MK_SYM, "ȷ"},
    {"kappa", MK_SYM, "κ"},
    {"ker", MK_WORD, "ker"},
    {"lVert", MK_OPEN, "‖"},
    {"label", MK_SKIP, ""},
    {"lambda", MK_SYM, "λ"},
    {"land", MK_SYM, "∧"},
    {"langle", MK_OPEN, "⟨"},
    {"lbrace", MK_OPEN, "{"},
    {"lbrack", MK_OPEN, "["},
    {"lceil", MK_OPEN, "⌈"},
    {"ldots", MK_SYM, "…"},
    {"le", MK_SYM, "≤"},
    {"leadsto", MK_SYM, "⇝"},
    {"left", MK_DELIM, ""},
    {"leftarrow", MK_SYM, "←"},
    {"leftharpoonup", MK_SYM, "↼"},
    {"leftrightarrow", MK_SYM, "↔"},
    {"leq", MK_SYM, "≤"},
    {"leqslant", MK_SYM, "⩽"},
    {"lessgtr", MK_SYM, "≶"},
    {"lesssim", MK_SYM, "≲"},
    {"lfloor", MK_OPEN, "⌊"},
    {"lg", MK_WORD, "lg"},
    {"lim", MK_WORD, "lim"},
    {"liminf", MK_WORD, "lim inf"},
    {"limits", MK_NOTHING, ""},
    {"limsup", MK_WORD, "lim sup"},
    {"ll", MK_SYM, "≪"},
    {"lll", MK_SYM, "⋘"},
    {"ln", MK_WORD, "ln"},
    {"lnot", MK_SYM, "¬"},
    {"log", MK_WORD, "log"},
    {"longleftarrow", MK_SYM, "⟵"},
    {"longleftrightarrow", MK_SYM, "⟷"},
    {"longmapsto", MK_SYM, "⟼"},
    {"longrightarrow", MK_SYM, "⟶"},
    {"lor", MK_SYM, "∨"},
    {"lvert", MK_OPEN, "|"},
    {"mapsto", MK_SYM, "↦"},
    {"mathbb", MK_FONT, "b"},
    {"mathbbm", MK_FONT, "b"},
    {"mathbf", MK_FONT, "B"},
    {"mathcal", MK_FONT, "c"},
    {"mathfrak", MK_FONT, "f"},
    {"mathit", MK_FONT, "r"},
    {"mathnormal", MK_FONT, "r"},
    {"mathop", MK_MATHOP, ""},
    {"mathring", MK_ACCENT, "\xcc\x8a"},
    {"mathrm", MK_FONT, "r"},
    {"mathscr", MK_FONT, "c"},
    {"mathsf", MK_FONT, "r"},
    {"mathtt", MK_FONT, "r"},
    {"max", MK_WORD, "max"},
    {"mbox", MK_TEXT, ""},
    {"measuredangle", MK_SYM, "∡"},
    {"medspace", MK_SPACE, ""},
    {"mho", MK_SYM, "℧"},
    {"mid", MK_SYM, "∣"},
    {"middle", MK_DELIM, ""},
    {"min", MK_WORD, "min"},
    {"mod", MK_MOD, ""},
    {"models", MK_SYM, "⊨"},
    {"mp", MK_SYM, "∓"},
    {"mu", MK_SYM, "μ"},
    {"nabla", MK_SYM, "∇"},
    {"ncong", MK_SYM, "≇"},
    {"ne", MK_SYM, "≠"},
    {"nearrow", MK_SYM, "↗"},
    {"neg", MK_SYM, "¬"},
    {"negmedspace", MK_NOTHING, ""},
    {"negthickspace", MK_NOTHING, ""},
    {"negthinspace", MK_NOTHING, ""},
    {"neq", MK_SYM, "≠"},
    {"nexists", MK_SYM, "∄"},
    {"ngeq", MK_SYM, "≱"},
    {"ngtr", MK_SYM, "≯"},
    {"ni", MK_SYM, "∋"},
    {"nleq", MK_SYM, "≰"},
    {"nless", MK_SYM, "≮"},
    {"nmid", MK_SYM, "∤"},
    {"nolimits", MK_NOTHING, ""},
    {"nonumber", MK_NOTHING, ""},
    {"not", MK_NOT, ""},
    {"notag", MK_NOTHING, ""},
    {"notin", MK_SYM, "∉"},
    {"nparallel", MK_SYM, "∦"},
    {"nsim", MK_SYM, "≁"},
    {"nsubseteq", MK_SYM, "⊈"},
    {"nsupseteq", MK_SYM, "⊉"},
    {"nu", MK_SYM, "ν"},
    {"nwarrow", MK_SYM, "↖"},
    {"odot", MK_SYM, "⊙"},
    {"oint", MK_SYM, "∮"},
    {"omega", MK_SYM, "ω"},
    {"omicron", MK_SYM, "ο"},
    {"ominus", MK_SYM, "⊖"},
    {"operatorname", MK_OPNAME, ""},
    {"oplus", MK_SYM, "⊕"},
    {"oslash", MK_SYM, "⊘"},
    {"otimes", MK_SYM, "⊗"},
    {"overbrace", MK_ARG, ""},
    {"overline", MK_LINE, "\xcc\x85"},
    {"overrightarrow", MK_ACCENT, "\xe2\x83\x97"},
    {"overset", MK_OVER, ""},
    {"owns", MK_SYM, "∋"},
    {"parallel", MK_SYM, "∥"},
    {"partial", MK_SYM, "∂"},
    {"perp", MK_SYM, "⊥"},
    {"phantom", MK_SKIP, ""},
    {"phi", MK_SYM, "ϕ"},
    {"pi", MK_SYM, "π"},
    {"pm", MK_SYM, "±"},
    {"pmb", MK_FONT, "B"},
    {"pmod", MK_PMOD, ""},
    {"prec", MK_SYM, "≺"},
    {"preceq", MK_SYM, "⪯"},
    {"prime", MK_SYM, "′"},
    {"prod", MK_SYM, "∏"},
    {"propto", MK_SYM, "∝"},
    {"psi", MK_SYM, "ψ"},
    {"qquad", MK_SPACE, ""},
    {"quad", MK_SPACE, ""},
    {"rVert", MK_CLOSE, "‖"},
    {"rangle", MK_CLOSE, "⟩"},
    {"rbrace", MK_CLOSE, "}"},
    {"rbrack", MK_CLOSE, "]"},
    {"rceil", MK_CLOSE, "⌉"},
    {"rfloor", MK_CLOSE, "⌋"},
    {"rho", MK_SYM, "ρ"},
    {"right", MK_DELIM, ""},
    {"rightarrow", MK_SYM, "→"},
    {"rightharpoonup", MK_SYM, "⇀"},
    {"rightleftharpoons", MK_SYM, "⇌"},
    {"rightsquigarrow", MK_SYM, "⇝"},
    {"rvert", MK_CLOSE, "|"},
    {"scriptscriptstyle", MK_NOTHING, ""},
    {"scriptstyle", MK_NOTHING, ""},
    {"searrow", MK_SYM, "↘"},
    {"sec", MK_WORD, "sec"},
    {"setminus", MK_SYM, "∖"},
    {"sigma", MK_SYM, "σ"},
    {"sim", MK_SYM, "∼"},
    {"simeq", MK_SYM, "≃"},
    {"sin", MK_WORD, "sin"},
    {"sinh", MK_WORD, "sinh"},
    {"smallsetminus", MK_SYM, "∖"},
    {"smile", MK_SYM, "⌣"},
    {"sqcap", MK_SYM, "⊓"},
    {"sqcup", MK_SYM, "⊔"},
    {"sqrt", MK_SQRT, ""},
    {"sqsubset", MK_SYM, "⊏"},
    {"sqsubseteq", MK_SYM, "⊑"},
    {"sqsupset", MK_SYM, "⊐"},
    {"sqsupseteq", MK_SYM, "⊒"},
    {"square", MK_SYM, "□"},
    {"stackrel", MK_OVER, ""},
    {"star", MK_SYM, "⋆"},
    {"subset", MK_SYM, "⊂"},
    {"subseteq", MK_SYM, "⊆"},
    {"subsetneq", MK_SYM, "⊊"},
    {"succ", MK_SYM, "≻"},
    {"succeq", MK_SYM, "⪰"},
    {"sum", MK_SYM, "∑"},
    {"sup", MK_WORD, "sup"},
    {"supset", MK_SYM, "⊃"},
    {"supseteq", MK_SYM, "⊇"},
    {"supsetneq", MK_SYM, "⊋"},
    {"surd", MK_SYM, "√"},
    {"swarrow", MK_SYM, "↙"},
    {"tag", MK_TAG, ""},
    {"tan", MK_WORD, "tan"},
    {"tanh", MK_WORD, "tanh"},
    {"tau", MK_SYM, "τ"},
    {"tbinom", MK_BINOM, ""},
    {"text", MK_TEXT, ""},
    {"textbf", MK_TEXT, ""},
    {"textit", MK_TEXT, ""},
    {"textnormal", MK_TEXT, ""},
    {"textrm", MK_TEXT, ""},
    {"textsf", MK_TEXT, ""},
    {"textstyle", MK_NOTHING, ""},
    {"texttt", MK_TEXT, ""},
    {"textup", MK_TEXT, ""},
    {"tfrac", MK_FRAC, ""},
    {"therefore", MK_SYM, "∴"},
    {"theta", MK_SYM, "θ"},
    {"thickspace", MK_SPACE, ""},
    {"thinspace", MK_SPACE, ""},
    {"tilde", MK_ACCENT, "\xcc\x83"},
    {"times", MK_SYM, "×"},
    {"to", MK_SYM, "→"},
    {"top", MK_SYM, "⊤"},
    {"triangle", MK_SYM, "△"},
    {"triangleleft", MK_SYM, "◁"},
    {"triangleq", MK_SYM, "≜"},
    {"triangleright", MK_SYM, "▷"},
    {"twoheadrightarrow", MK_SYM, "↠"},
    {"underbrace", MK_ARG, ""},
    {"underline", MK_LINE, "\xcc\xb2"},
    {"underset", MK_UNDER, ""},
    {"uparrow", MK_SYM, "↑"},
    {"updownarrow", MK_SYM, "↕"},
    {"uplus", MK_SYM, "⊎"},
    {"upsilon", MK_SYM, "υ"},
    {"vDash", MK_SYM, "⊨"},
    {"varDelta", MK_SYM, "Δ"},
    {"varGamma", MK_SYM, "Γ"},
    {"varLambda", MK_SYM, "Λ"},
    {"varOmega", MK_SYM, "Ω"},
    {"varPhi", MK_SYM, "Φ"},
    {"varPi", MK_SYM, "Π"},
    {"varPsi", MK_SYM, "Ψ"},
    {"varSigma", MK_SYM, "Σ"},
    {"varTheta", MK_SYM, "Θ"},
    {"varUpsilon", MK_SYM, "Υ"},
    {"varXi", MK_SYM, "Ξ"},
    {"varepsilon", MK_SYM, "ε"},
    {"varkappa", MK_SYM, "ϰ"},
    {"varnothing", MK_SYM, "∅"},
    {"varphi", MK_SYM, "φ"},
    {"varpi", MK_SYM, "ϖ"},
    {"varpropto", MK_SYM, "∝"},
    {"varrho", MK_SYM, "ϱ"},
    {"varsigma", MK_SYM, "ς"},
    {"vartheta", MK_SYM, "ϑ"},
    {"vdash", MK_SYM, "⊢"},
    {"vdots", MK_SYM, "⋮"},
    {"vec", MK_ACCENT, "\xe2\x83\x97"},
    {"vee", MK_SYM, "∨"},
    {"vert", MK_SYM, "|"},
    {"vphantom", MK_SKIP, ""},
    {"wedge", MK_SYM, "∧"},
    {"widehat", MK_ACCENT, "\xcc\x82"},
    {"widetilde", MK_ACCENT, "\xcc\x83"},
    {"wp", MK_SYM, "℘"},
    {"wr", MK_SYM, "≀"},
    {"xi", MK_SYM, "ξ"},
    {"zeta", MK_SYM, "ζ"},
    {"{", MK_OPEN, "{"},
    {"|", MK_SYM, "‖"},
    {"}", MK_CLOSE, "}"},
};

struct math {
  const char *s; /* the TeX */
  size_t n;
  size_t i;        /* reading position */
  struct buf *out; /* the caller's buffer */
  size_t start;    /* where this formula's output begins in out */
  struct buf tmp;  /* scratch for rewriting a region; used only after
                      the region is complete, so one is enough */
  enum sm_status st;
  int ok; /* 0 once something had no Unicode form */
  int depth;
  size_t opword; /* out->len right after an operator word: a letter
                    that follows directly needs a space ("sin θ") */
};

static void m_expr(struct math *m, int close);
static void m_atom(struct math *m);
static void m_command(struct math *m);

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one character; returns its length, 0 when invalid. */
static size_t
m_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  return util_utf8_decode((const char *)s, n, cp);
}

static int
m_is_space(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

static int
m_is_alpha(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
m_is_alnum(int c)
{
  return m_is_alpha(c) || (c >= '0' && c <= '9');
}

/* Letters and digits, whatever their alphabet: an operator word needs a
 * space before them. */
static int
m_letterlike(uint32_t c)
{
  return (c < 0x80 && m_is_alnum((int)c)) || (c >= 0x370 && c <= 0x3ff) ||
         (c >= 0x2100 && c <= 0x214f) || (c >= 0x1d400 && c <= 0x1d7ff);
}

/* ---- Writing ------------------------------------------------------------ */

static void
m_fail(struct math *m)
{
  m->ok = 0;
}

static int
m_going(const struct math *m)
{
  return m->ok && m->st == SM_OK;
}

static void
m_trunc(struct math *m, size_t len)
{
  m->out->len = len;
  if (m->out->data)
    m->out->data[len] = '\0';
}

static char
m_last(const struct math *m)
{
  return m->out->len > m->start ? m->out->data[m->out->len - 1] : '\0';
}

static void
m_raw(struct math *m, const char *p, size_t n)
{
  if (m->st == SM_OK && n)
    m->st = buf_append(m->out, p, n);
}

/* Visible output: after an operator word a letter gets a space first. */
static void
m_put(struct math *m, const char *p, size_t n)
{
  uint32_t c;

  if (n == 0)
    return;
  if (m->opword == m->out->len && m->out->len > m->start &&
      m_decode((const unsigned char *)p, n, &c) && m_letterlike(c))
    m_raw(m, " ", 1);
  m_raw(m, p, n);
}

static void
m_puts(struct math *m, const char *s)
{
  m_put(m, s, strlen(s));
}

static void
m_putcp(struct math *m, uint32_t c)
{
  char u[4];

  m_put(m, u, util_utf8_encode(c, u));
}

/* White space in math is for the writer's eyes; keep one space between
 * things, none at the start, none after an opening bracket. */
static void
m_space(struct math *m)
{
  char last = m_last(m);

  if (last == '\0' || last == ' ' || last == '(' || last == '[' || last == '{')
    return;
  m_raw(m, " ", 1);
}

/* A closing bracket: "( x )" reads as "(x)". */
static void
m_close(struct math *m, const char *p, size_t n)
{
  if (m_last(m) == ' ')
    m_trunc(m, m->out->len - 1);
  m_put(m, p, n);
}

/* The part of out from `from` to the end, without surrounding spaces. */
static void
m_region(const struct math *m, size_t from, size_t *a, size_t *b)
{
  *a = from;
  *b = m->out->len;
  while (*a < *b && m->out->data[*a] == ' ')
    (*a)++;
  while (*b > *a && m->out->data[*b - 1] == ' ')
    (*b)--;
}

/* Replaces out from `from` on by the scratch buffer. */
static void
m_replace(struct math *m, size_t from)
{
  m_trunc(m, from);
  m_raw(m, m->tmp.data, m->tmp.len);
}

static void
m_tmp(struct math *m, const char *p, size_t n)
{
  if (m->st == SM_OK && n)
    m->st = buf_append(&m->tmp, p, n);
}

static void
m_tmpcp(struct math *m, uint32_t c)
{
  char u[4];

  m_tmp(m, u, util_utf8_encode(c, u));
}

/* ---- Scripts --------------------------------------------------------------
 */

struct cpmap {
  uint32_t from, to;
};

/* Characters with a superscript form. '*', primes and daggers are
 * written raised already; ∘ as a superscript is a degree sign. */
static const struct cpmap sup_map[] = {
    {'(', 0x207d},    {')', 0x207e},    {'*', '*'},       {'+', 0x207a},
    {'-', 0x207b},    {'0', 0x2070},    {'1', 0xb9},      {'2', 0xb2},
    {'3', 0xb3},      {'4', 0x2074},    {'5', 0x2075},    {'6', 0x2076},
    {'7', 0x2077},    {'8', 0x2078},    {'9', 0x2079},    {'=', 0x207c},
    {'A', 0x1d2c},    {'B', 0x1d2e},    {'D', 0x1d30},    {'E', 0x1d31},
    {'G', 0x1d33},    {'H', 0x1d34},    {'I', 0x1d35},    {'J', 0x1d36},
    {'K', 0x1d37},    {'L', 0x1d38},    {'M', 0x1d39},    {'N', 0x1d3a},
    {'O', 0x1d3c},    {'P', 0x1d3e},    {'R', 0x1d3f},    {'T', 0x1d40},
    {'U', 0x1d41},    {'V', 0x2c7d},    {'W', 0x1d42},    {'a', 0x1d43},
    {'b', 0x1d47},    {'c', 0x1d9c},    {'d', 0x1d48},    {'e', 0x1d49},
    {'f', 0x1da0},    {'g', 0x1d4d},    {'h', 0x2b0},     {'i', 0x2071},
    {'j', 0x2b2},     {'k', 0x1d4f},    {'l', 0x2e1},     {'m', 0x1d50},
    {'n', 0x207f},    {'o', 0x1d52},    {'p', 0x1d56},    {'r', 0x2b3},
    {'s', 0x2e2},     {'t', 0x1d57},    {'u', 0x1d58},    {'v', 0x1d5b},
    {'w', 0x2b7},     {'x', 0x2e3},     {'y', 0x2b8},     {'z', 0x1dbb},
    {0x3b1, 0x1d45},  {0x3b2, 0x1d5d},  {0x3b3, 0x1d5e},  {0x3b4, 0x1d5f},
    {0x3b5, 0x1d4b},  {0x3b8, 0x1dbf},  {0x3b9, 0x1da5},  {0x3c6, 0x1db2},
    {0x3c7, 0x1d61},  {0x3d5, 0x1db2},  {0x2020, 0x2020}, {0x2021, 0x2021},
    {0x2032, 0x2032}, {0x2033, 0x2033}, {0x2212, 0x207b}, {0x2217, '*'},
    {0x2218, 0xb0},   {0x22a4, 0x1d40},
};

static const struct cpmap sub_map[] = {
    {'(', 0x208d},   {')', 0x208e},   {'+', 0x208a},    {'-', 0x208b},
    {'0', 0x2080},   {'1', 0x2081},   {'2', 0x2082},    {'3', 0x2083},
    {'4', 0x2084},   {'5', 0x2085},   {'6', 0x2086},    {'7', 0x2087},
    {'8', 0x2088},   {'9', 0x2089},   {'=', 0x208c},    {'a', 0x2090},
    {'e', 0x2091},   {'h', 0x2095},   {'i', 0x1d62},    {'j', 0x2c7c},
    {'k', 0x2096},   {'l', 0x2097},   {'m', 0x2098},    {'n', 0x2099},
    {'o', 0x2092},   {'p', 0x209a},   {'r', 0x1d63},    {'s', 0x209b},
    {'t', 0x209c},   {'u', 0x1d64},   {'v', 0x1d65},    {'x', 0x2093},
    {0x3b2, 0x1d66}, {0x3b3, 0x1d67}, {0x3c1, 0x1d68},  {0x3c6, 0x1d69},
    {0x3c7, 0x1d6a}, {0x3d5, 0x1d69}, {0x2212, 0x208b},
};

static uint32_t
m_map(const struct cpmap *map, size_t n, uint32_t c)
{
  size_t lo = 0, hi = n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (map[mid].from == c)
      return map[mid].to;
    if (map[mid].from < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

/* Writes p[0..n) as a super- or subscript into the scratch buffer:
 * with script characters when every character has one, else (if
 * fallback) as "^x" or "^(…)". Returns 1 if script characters were
 * used. */
static int
m_scriptify(struct math *m, const char *p, size_t n, int sup, int fallback)
{
  const struct cpmap *map = sup ? sup_map : sub_map;
  size_t nmap = sup ? sizeof(sup_map) / sizeof(sup_map[0])
                    : sizeof(sub_map) / sizeof(sub_map[0]);
  size_t mark = m->tmp.len, i = 0, k;
  uint32_t c, to;

  while (n > 0 && p[0] == ' ')
    p++, n--;
  while (n > 0 && p[n - 1] == ' ')
    n--;
  while (i < n) {
    k = m_decode((const unsigned char *)p + i, n - i, &c);
    if (k == 0)
      break;
    if (c != ' ') {
      to = m_map(map, nmap, c);
      if (to == 0)
        break;
      m_tmpcp(m, to);
    }
    i += k;
  }
  if (i >= n)
    return 1;
  m->tmp.len = mark;
  if (!fallback)
    return 0;
  m_tmp(m, sup ? "^" : "_", 1);
  if (util_utf8_count(p, n) == 1) {
    m_tmp(m, p, n);
  } else {
    m_tmp(m, "(", 1);
    m_tmp(m, p, n);
    m_tmp(m, ")", 1);
  }
  return 0;
}

/* Generated with Python's unicodedata.normalize("NFC") (Unicode 14):
 * base letter + combining mark -> precomposed letter, sorted. */
static const struct mcompose {
  uint32_t base, mark, to;
} math_compose[] = {
    {0x41, 0x300, 0xc0},    {0x41, 0x301, 0xc1},    {0x41, 0x302, 0xc2},
    {0x41, 0x303, 0xc3},    {0x41, 0x304, 0x100},   {0x41, 0x306, 0x102},
    {0x41, 0x307, 0x226},   {0x41, 0x308, 0xc4},    {0x41, 0x30a, 0xc5},
    {0x41, 0x30c, 0x1cd},   {0x42, 0x307, 0x1e02},  {0x43, 0x301, 0x106},
    {0x43, 0x302, 0x108},   {0x43, 0x307, 0x10a},   {0x43, 0x30c, 0x10c},
    {0x44, 0x307, 0x1e0a},  {0x44, 0x30c, 0x10e},   {0x45, 0x300, 0xc8},
    {0x45, 0x301, 0xc9},    {0x45, 0x302, 0xca},    {0x45, 0x303, 0x1ebc},
    {0x45, 0x304, 0x112},   {0x45, 0x306, 0x114},   {0x45, 0x307, 0x116},
    {0x45, 0x308, 0xcb},    {0x45, 0x30c, 0x11a},   {0x46, 0x307, 0x1e1e},
    {0x47, 0x301, 0x1f4},   {0x47, 0x302, 0x11c},   {0x47, 0x304, 0x1e20},
    {0x47, 0x306, 0x11e},   {0x47, 0x307, 0x120},   {0x47, 0x30c, 0x1e6},
    {0x48, 0x302, 0x124},   {0x48, 0x307, 0x1e22},  {0x48, 0x308, 0x1e26},
    {0x48, 0x30c, 0x21e},   {0x49, 0x300, 0xcc},    {0x49, 0x301, 0xcd},
    {0x49, 0x302, 0xce},    {0x49, 0x303, 0x128},   {0x49, 0x304, 0x12a},
    {0x49, 0x306, 0x12c},   {0x49, 0x307, 0x130},   {0x49, 0x308, 0xcf},
    {0x49, 0x30c, 0x1cf},   {0x4a, 0x302, 0x134},   {0x4b, 0x301, 0x1e30},
    {0x4b, 0x30c, 0x1e8},   {0x4c, 0x301, 0x139},   {0x4c, 0x30c, 0x13d},
    {0x4d, 0x301, 0x1e3e},  {0x4d, 0x307, 0x1e40},  {0x4e, 0x300, 0x1f8},
    {0x4e, 0x301, 0x143},   {0x4e, 0x303, 0xd1},    {0x4e, 0x307, 0x1e44},
    {0x4e, 0x30c, 0x147},   {0x4f, 0x300, 0xd2},    {0x4f, 0x301, 0xd3},
    {0x4f, 0x302, 0xd4},    {0x4f, 0x303, 0xd5},    {0x4f, 0x304, 0x14c},
    {0x4f, 0x306, 0x14e},   {0x4f, 0x307, 0x22e},   {0x4f, 0x308, 0xd6},
    {0x4f, 0x30c, 0x1d1},   {0x50, 0x301, 0x1e54},  {0x50, 0x307, 0x1e56},
    {0x52, 0x301, 0x154},   {0x52, 0x307, 0x1e58},  {0x52, 0x30c, 0x158},
    {0x53, 0x301, 0x15a},   {0x53, 0x302, 0x15c},   {0x53, 0x307, 0x1e60},
    {0x53, 0x30c, 0x160},   {0x54, 0x307, 0x1e6a},  {0x54, 0x30c, 0x164},
    {0x55, 0x300, 0xd9},    {0x55, 0x301, 0xda},    {0x55, 0x302, 0xdb},
    {0x55, 0x303, 0x168},   {0x55, 0x304, 0x16a},   {0x55, 0x306, 0x16c},
    {0x55, 0x308, 0xdc},    {0x55, 0x30a, 0x16e},   {0x55, 0x30c, 0x1d3},
    {0x56, 0x303, 0x1e7c},  {0x57, 0x300, 0x1e80},  {0x57, 0x301, 0x1e82},
    {0x57, 0x302, 0x174},   {0x57, 0x307, 0x1e86},  {0x57, 0x308, 0x1e84},
    {0x58, 0x307, 0x1e8a},  {0x58, 0x308, 0x1e8c},  {0x59, 0x300, 0x1ef2},
    {0x59, 0x301, 0xdd},    {0x59, 0x302, 0x176},   {0x59, 0x303, 0x1ef8},
    {0x59, 0x304, 0x232},   {0x59, 0x307, 0x1e8e},  {0x59, 0x308, 0x178},
    {0x5a, 0x301, 0x179},   {0x5a, 0x302, 0x1e90},  {0x5a, 0x307, 0x17b},
    {0x5a, 0x30c, 0x17d},   {0x61, 0x300, 0xe0},    {0x61, 0x301, 0xe1},
    {0x61, 0x302, 0xe2},    {0x61, 0x303, 0xe3},    {0x61, 0x304, 0x101},
    {0x61, 0x306, 0x103},   {0x61, 0x307, 0x227},   {0x61, 0x308, 0xe4},
    {0x61, 0x30a, 0xe5},    {0x61, 0x30c, 0x1ce},   {0x62, 0x307, 0x1e03},
    {0x63, 0x301, 0x107},   {0x63, 0x302, 0x109},   {0x63, 0x307, 0x10b},
    {0x63, 0x30c, 0x10d},   {0x64, 0x307, 0x1e0b},  {0x64, 0x30c, 0x10f},
    {0x65, 0x300, 0xe8},    {0x65, 0x301, 0xe9},    {0x65, 0x302, 0xea},
    {0x65, 0x303, 0x1ebd},  {0x65, 0x304, 0x113},   {0x65, 0x306, 0x115},
    {0x65, 0x307, 0x117},   {0x65, 0x308, 0xeb},    {0x65, 0x30c, 0x11b},
    {0x66, 0x307, 0x1e1f},  {0x67, 0x301, 0x1f5},   {0x67, 0x302, 0x11d},
    {0x67, 0x304, 0x1e21},  {0x67, 0x306, 0x11f},   {0x67, 0x307, 0x121},
    {0x67, 0x30c, 0x1e7},   {0x68, 0x302, 0x125},   {0x68, 0x307, 0x1e23},
    {0x68, 0x308, 0x1e27},  {0x68, 0x30c, 0x21f},   {0x69, 0x300, 0xec},
    {0x69, 0x301, 0xed},    {0x69, 0x302, 0xee},    {0x69, 0x303, 0x129},
    {0x69, 0x304, 0x12b},   {0x69, 0x306, 0x12d},   {0x69, 0x308, 0xef},
    {0x69, 0x30c, 0x1d0},   {0x6a, 0x302, 0x135},   {0x6a, 0x30c, 0x1f0},
    {0x6b, 0x301, 0x1e31},  {0x6b, 0x30c, 0x1e9},   {0x6c, 0x301, 0x13a},
    {0x6c, 0x30c, 0x13e},   {0x6d, 0x301, 0x1e3f},  {0x6d, 0x307, 0x1e41},
    {0x6e, 0x300, 0x1f9},   {0x6e, 0x301, 0x144},   {0x6e, 0x303, 0xf1},
    {0x6e, 0x307, 0x1e45},  {0x6e, 0x30c, 0x148},   {0x6f, 0x300, 0xf2},
    {0x6f, 0x301, 0xf3},    {0x6f, 0x302, 0xf4},    {0x6f, 0x303, 0xf5},
    {0x6f, 0x304, 0x14d},   {0x6f, 0x306, 0x14f},   {0x6f, 0x307, 0x22f},
    {0x6f, 0x308, 0xf6},    {0x6f, 0x30c, 0x1d2},   {0x70, 0x301, 0x1e55},
    {0x70, 0x307, 0x1e57},  {0x72, 0x301, 0x155},   {0x72, 0x307, 0x1e59},
    {0x72, 0x30c, 0x159},   {0x73, 0x301, 0x15b},   {0x73, 0x302, 0x15d},
    {0x73, 0x307, 0x1e61},  {0x73, 0x30c, 0x161},   {0x74, 0x307, 0x1e6b},
    {0x74, 0x308, 0x1e97},  {0x74, 0x30c, 0x165},   {0x75, 0x300, 0xf9},
    {0x75, 0x301, 0xfa},    {0x75, 0x302, 0xfb},    {0x75, 0x303, 0x169},
    {0x75, 0x304, 0x16b},   {0x75, 0x306, 0x16d},   {0x75, 0x308, 0xfc},
    {0x75, 0x30a, 0x16f},   {0x75, 0x30c, 0x1d4},   {0x76, 0x303, 0x1e7d},
    {0x77, 0x300, 0x1e81},  {0x77, 0x301, 0x1e83},  {0x77, 0x302, 0x175},
    {0x77, 0x307, 0x1e87},  {0x77, 0x308, 0x1e85},  {0x77, 0x30a, 0x1e98},
    {0x78, 0x307, 0x1e8b},  {0x78, 0x308, 0x1e8d},  {0x79, 0x300, 0x1ef3},
    {0x79, 0x301, 0xfd},    {0x79, 0x302, 0x177},   {0x79, 0x303, 0x1ef9},
    {0x79, 0x304, 0x233},   {0x79, 0x307, 0x1e8f},  {0x79, 0x308, 0xff},
    {0x79, 0x30a, 0x1e99},  {0x7a, 0x301, 0x17a},   {0x7a, 0x302, 0x1e91},
    {0x7a, 0x307, 0x17c},   {0x7a, 0x30c, 0x17e},   {0x391, 0x300, 0x1fba},
    {0x391, 0x301, 0x386},  {0x391, 0x304, 0x1fb9}, {0x391, 0x306, 0x1fb8},
    {0x395, 0x300, 0x1fc8}, {0x395, 0x301, 0x388},  {0x397, 0x300, 0x1fca},
    {0x397, 0x301, 0x389},  {0x399, 0x300, 0x1fda}, {0x399, 0x301, 0x38a},
    {0x399, 0x304, 0x1fd9}, {0x399, 0x306, 0x1fd8}, {0x399, 0x308, 0x3aa},
    {0x39f, 0x300, 0x1ff8}, {0x39f, 0x301, 0x38c},  {0x3a5, 0x300, 0x1fea},
    {0x3a5, 0x301, 0x38e},  {0x3a5, 0x304, 0x1fe9}, {0x3a5, 0x306, 0x1fe8},
    {0x3a5, 0x308, 0x3ab},  {0x3a9, 0x300, 0x1ffa}, {0x3a9, 0x301, 0x38f},
    {0x3b1, 0x300, 0x1f70}, {0x3b1, 0x301, 0x3ac},  {0x3b1, 0x304, 0x1fb1},
    {0x3b1, 0x306, 0x1fb0}, {0x3b5, 0x300, 0x1f72}, {0x3b5, 0x301, 0x3ad},
    {0x3b7, 0x300, 0x1f74}, {0x3b7, 0x301, 0x3ae},  {0x3b9, 0x300, 0x1f76},
    {0x3b9, 0x301, 0x3af},  {0x3b9, 0x304, 0x1fd1}, {0x3b9, 0x306, 0x1fd0},
    {0x3b9, 0x308, 0x3ca},  {0x3bf, 0x300, 0x1f78}, {0x3bf, 0x301, 0x3cc},
    {0x3c5, 0x300, 0x1f7a}, {0x3c5, 0x301, 0x3cd},  {0x3c5, 0x304, 0x1fe1},
    {0x3c5, 0x306, 0x1fe0}, {0x3c5, 0x308, 0x3cb},  {0x3c9, 0x300, 0x1f7c},
    {0x3c9, 0x301, 0x3ce},
};

/* The precomposed form of base + mark, or 0. Mail readers' fonts draw
 * "ŷ" far more reliably than "y" followed by a combining circumflex. */
static uint32_t
m_compose(uint32_t base, uint32_t mark)
{
  size_t lo = 0, hi = sizeof(math_compose) / sizeof(math_compose[0]);

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct mcompose *e = &math_compose[mid];

    if (e->base == base && e->mark == mark)
      return e->to;
    if (e->base < base || (e->base == base && e->mark < mark))
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

/* ---- Fonts ----------------------------------------------------------------
 */

static uint32_t
m_font_cp(int font, uint32_t c)
{
  int up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z';
  int dig = c >= '0' && c <= '9';

  switch (font) {
  case 'b': /* \mathbb: the letterlike block has the common ones */
    switch (c) {
    case 'C':
      return 0x2102;
    case 'H':
      return 0x210d;
    case 'N':
      return 0x2115;
    case 'P':
      return 0x2119;
    case 'Q':
      return 0x211a;
    case 'R':
      return 0x211d;
    case 'Z':
      return 0x2124;
    }
    if (up)
      return 0x1d538 + (c - 'A');
    if (low)
      return 0x1d552 + (c - 'a');
    if (dig)
      return 0x1d7d8 + (c - '0');
    return c;
  case 'c':
    switch (c) {
    case 'B':
      return 0x212c;
    case 'E':
      return 0x2130;
    case 'F':
      return 0x2131;
    case 'H':
      return 0x210b;
    case 'I':
      return 0x2110;
    case 'L':
      return 0x2112;
    case 'M':
      return 0x2133;
    case 'R':
      return 0x211b;
    case 'e':
      return 0x212f;
    case 'g':
      return 0x210a;
    case 'o':
      return 0x2134;
    }
    if (up)
      return 0x1d49c + (c - 'A');
    if (low)
      return 0x1d4b6 + (c - 'a');
    return c;
  case 'f':
    switch (c) {
    case 'C':
      return 0x212d;
    case 'H':
      return 0x210c;
    case 'I':
      return 0x2111;
    case 'R':
      return 0x211c;
    case 'Z':
      return 0x2128;
    }
    if (up)
      return 0x1d504 + (c - 'A');
    if (low)
      return 0x1d51e + (c - 'a');
    return c;
  case 'B':
    if (up)
      return 0x1d400 + (c - 'A');
    if (low)
      return 0x1d41a + (c - 'a');
    if (dig)
      return 0x1d7ce + (c - '0');
    if (c >= 0x391 && c <= 0x3a9)
      return 0x1d6a8 + (c - 0x391);
    if (c >= 0x3b1 && c <= 0x3c9)
      return 0x1d6c2 + (c - 0x3b1);
    switch (c) {
    case 0x3f5:
      return 0x1d6dc;
    case 0x3d1:
      return 0x1d6dd;
    case 0x3d5:
      return 0x1d6df;
    case 0x3f1:
      return 0x1d6e0;
    case 0x3d6:
      return 0x1d6e1;
    case 0x2202:
      return 0x1d6db;
    case 0x2207:
      return 0x1d6c1;
    }
    return c;
  }
  return c;
}

/* ---- Reading --------------------------------------------------------------
 */

static void
m_skip_space(struct math *m)
{
  while (m->i < m->n && m_is_space((unsigned char)m->s[m->i]))
    m->i++;
}

static void
m_group(struct math *m)
{
  m->i++; /* '{' */
  m_expr(m, '}');
  if (m->i < m->n && m->s[m->i] == '}')
    m->i++;
  else
    m_fail(m);
}

/* One macro argument: a group, a command with its arguments, or one
 * character ("\frac12", "\mathbb R"). */
static void
m_arg(struct math *m)
{
  int c;

  m_skip_space(m);
  if (m->i >= m->n) {
    m_fail(m);
    return;
  }
  c = (unsigned char)m->s[m->i];
  if (c == '}' || c == '^' || c == '_')
    m_fail(m);
  else
    m_atom(m); /* '{' and '\\' lead to a group or a command there */
}

/* Reads two arguments; their output is at [*p, *q) and [*q, len). */
static void
m_two_args(struct math *m, size_t *p, size_t *q)
{
  *p = m->out->len;
  m_arg(m);
  *q = m->out->len;
  if (m_going(m))
    m_arg(m);
}

/* A fraction's part or a root needs parentheses when it is more than
 * one term: "(a+b)/2", but "2x/3" and "∂L/∂w". */
static int
m_compound(const char *p, size_t n)
{
  size_t i = 0, k;
  uint32_t c;
  int depth = 0;

  if (n >= 2 && p[0] == '(' && p[n - 1] == ')') {
    /* Already in parentheses, unless they close before the end. */
    for (i = 0; i < n; i++) {
      if (p[i] == '(')
        depth++;
      else if (p[i] == ')' && --depth == 0 && i != n - 1)
        break;
    }
    if (i == n)
      return 0;
    i = 0;
  }
  while (i < n) {
    k = m_decode((const unsigned char *)p + i, n - i, &c);
    if (k == 0)
      return 1;
    i += k;
    if (c < 0x80) {
      if (strchr(" +-=<>/,;:|*!&", (int)c))
        return 1;
      continue;
    }
    if (c == 0xb1 || c == 0xb7 || c == 0xd7 || c == 0xf7)
      return 1;
    if ((c >= 0x2190 && c <= 0x21ff) || (c >= 0x27f0 && c <= 0x27ff) ||
        (c >= 0x2a00 && c <= 0x2aff))
      return 1;
    if (c >= 0x2200 && c <= 0x22ff && c != 0x2202 && c != 0x2207 &&
        c != 0x221e && (c < 0x221a || c > 0x221c))
      return 1;
  }
  return 0;
}

static void
m_tmp_operand(struct math *m, const char *p, size_t n)
{
  int paren = m_compound(p, n);

  if (paren)
    m_tmp(m, "(", 1);
  m_tmp(m, p, n);
  if (paren)
    m_tmp(m, ")", 1);
}

/* Text mode ("\text{if } x > 0"): characters as they are, spaces kept
 * (once), and the escapes a writer uses there. */
static void
m_text(struct math *m)
{
  int level = 1, c;

  m_skip_space(m);
  if (m->i >= m->n || m->s[m->i] != '{') {
    m_fail(m);
    return;
  }
  m->i++;
  while (m->i < m->n && m_going(m)) {
    c = (unsigned char)m->s[m->i];
    if (c == '{') {
      level++;
      m->i++;
    } else if (c == '}') {
      m->i++;
      if (--level == 0)
        return;
    } else if (c == '\\') {
      if (m->i + 1 >= m->n || !strchr("{}%$_&# ", m->s[m->i + 1])) {
        m_fail(m);
        return;
      }
      if (m->s[m->i + 1] == ' ')
        m_space(m);
      else
        m_put(m, m->s + m->i + 1, 1);
      m->i += 2;
    } else if (c == '$') {
      m_fail(m); /* math inside text: beyond this converter */
      return;
    } else if (m_is_space(c)) {
      if (m_last(m) != ' ')
        m_raw(m, " ", 1);
      m->i++;
    } else {
      m_put(m, m->s + m->i, 1);
      m->i++;
    }
  }
  m_fail(m); /* unbalanced */
}

/* An operator word starts with a space after a letter or digit: "2 sin". */
static void
m_word_start(struct math *m)
{
  if (m_is_alnum((unsigned char)m_last(m)))
    m_space(m);
}

static void
m_script(struct math *m, int sup)
{
  size_t p, a, b;

  m->opword = (size_t)-1;
  p = m->out->len;
  m_arg(m);
  if (!m_going(m))
    return;
  m_region(m, p, &a, &b);
  buf_reset(&m->tmp);
  m_scriptify(m, m->out->data + a, b - a, sup, 1);
  m_replace(m, p);
}

/* The space after a control word only ends its name: "\partial L" is
 * ∂L and "\alpha x" is αx, as TeX sets them. After an operator or a
 * relation it stays ("a \cdot b" is a · b), and before anything but a
 * letter or digit too ("\alpha = 1" is α = 1). */
static void
m_gobble(struct math *m, const char *sym)
{
  uint32_t c;
  size_t j = m->i;

  if (!m_decode((const unsigned char *)sym, strlen(sym), &c) ||
      !(m_letterlike(c) || c == 0x2202 || c == 0x2207 || c == 0x2200 ||
        c == 0x2203 || c == 0x2204 || c == 0xac))
    return;
  while (j < m->n && m_is_space((unsigned char)m->s[j]))
    j++;
  if (j > m->i && j < m->n && m_is_alnum((unsigned char)m->s[j]))
    m->i = j;
}

static const struct mcmd *
m_lookup(const char *name, size_t len)
{
  size_t lo = 0, hi = sizeof(math_cmds) / sizeof(math_cmds[0]);

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = strncmp(math_cmds[mid].name, name, len);

    if (r == 0)
      r = math_cmds[mid].name[len] == '\0' ? 0 : 1;
    if (r == 0)
      return &math_cmds[mid];
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* \not before a relation: the precomposed negation where Unicode has
 * one, else a combining long solidus. */
static void
m_not(struct math *m)
{
  static const struct cpmap neg[] = {
      {'<', 0x226e},    {'=', 0x2260},    {'>', 0x226f},    {'|', 0x2224},
      {0x2203, 0x2204}, {0x2208, 0x2209}, {0x2223, 0x2224}, {0x2225, 0x2226},
      {0x223c, 0x2241}, {0x2243, 0x2244}, {0x2245, 0x2247}, {0x2248, 0x2249},
      {0x2261, 0x2262}, {0x2264, 0x2270}, {0x2265, 0x2271}, {0x2282, 0x2284},
      {0x2283, 0x2285}, {0x2286, 0x2288}, {0x2287, 0x2289},
  };
  size_t p = m->out->len, a, b, k;
  uint32_t c, to;

  m_arg(m);
  if (!m_going(m))
    return;
  m_region(m, p, &a, &b);
  k = m_decode((const unsigned char *)m->out->data + a, b - a, &c);
  if (k == 0 || a + k != b) {
    m_fail(m);
    return;
  }
  to = m_map(neg, sizeof(neg) / sizeof(neg[0]), c);
  m_trunc(m, b);
  if (to) {
    m_trunc(m, a);
    m_putcp(m, to);
  } else {
    m_raw(m, "\xcc\xb8", 2); /* U+0338 */
  }
}

static void
m_font(struct math *m, int font)
{
  size_t p = m->out->len, a, b, i, k;
  uint32_t c;

  m_arg(m);
  if (!m_going(m) || font == 'r')
    return;
  m_region(m, p, &a, &b);
  /* Bold only for a single character: a bold word is not a symbol. */
  if (font == 'B' && util_utf8_count(m->out->data + a, b - a) != 1)
    return;
  buf_reset(&m->tmp);
  for (i = p; i < m->out->len; i += k) {
    k = m_decode((const unsigned char *)m->out->data + i, m->out->len - i, &c);
    if (k == 0) {
      m_fail(m);
      return;
    }
    m_tmpcp(m, m_font_cp(font, c));
  }
  m_replace(m, p);
}

static void
m_accent(struct math *m, const char *mark, int each)
{
  size_t p = m->out->len, a, b, i, k;
  uint32_t c, mk;

  m_arg(m);
  if (!m_going(m))
    return;
  m_region(m, p, &a, &b);
  if (!each) {
    /* One mark over a group has no Unicode form: keep the TeX. */
    if (util_utf8_count(m->out->data + a, b - a) != 1) {
      m_fail(m);
      return;
    }
    k = m_decode((const unsigned char *)m->out->data + a, b - a, &c);
    if (k && m_decode((const unsigned char *)mark, strlen(mark), &mk) &&
        (c = m_compose(c, mk)) != 0) {
      m_trunc(m, a);
      m_putcp(m, c);
      return;
    }
    m_trunc(m, b);
    m_raw(m, mark, strlen(mark));
    return;
  }
  buf_reset(&m->tmp);
  for (i = a; i < b; i += k) {
    k = m_decode((const unsigned char *)m->out->data + i, b - i, &c);
    if (k == 0) {
      m_fail(m);
      return;
    }
    m_tmpcp(m, c);
    if (c != ' ')
      m_tmp(m, mark, strlen(mark));
  }
  if (b == a)
    m_fail(m);
  m_replace(m, p);
}

static void
m_sqrt(struct math *m)
{
  size_t p = m->out->len, q, a, b, ia, ib;

  m_skip_space(m);
  if (m->i < m->n && m->s[m->i] == '[') {
    m->i++;
    m_expr(m, ']');
    if (m->i >= m->n || m->s[m->i] != ']')
      m_fail(m);
    m->i++;
  }
  q = m->out->len;
  if (m_going(m))
    m_arg(m);
  if (!m_going(m))
    return;
  m_region(m, p, &ia, &ib);
  if (ib > q)
    ib = q;
  m_region(m, q, &a, &b);
  buf_reset(&m->tmp);
  if (ib - ia == 1 && m->out->data[ia] == '3') {
    m_tmp(m, "\xe2\x88\x9b", 3); /* ∛ */
  } else if (ib - ia == 1 && m->out->data[ia] == '4') {
    m_tmp(m, "\xe2\x88\x9c", 3); /* ∜ */
  } else {
    if (ib > ia && !m_scriptify(m, m->out->data + ia, ib - ia, 1, 0)) {
      m_fail(m);
      return;
    }
    m_tmp(m, "\xe2\x88\x9a", 3); /* √ */
  }
  if (b == a) {
    m_fail(m);
    return;
  }
  m_tmp_operand(m, m->out->data + a, b - a);
  m_replace(m, p);
}

/* ---- Environments ---------------------------------------------------------
 */

/* A mail reader has no two-dimensional layout for a formula, so an
 * environment's rows go on one line, each row's cells joined by what
 * the environment means: "{ x, if x ≥ 0; 0, otherwise }" for cases,
 * "(a, b; c, d)" for a matrix (rows by semicolons, the way linear
 * algebra programs write one), and "a = b = c; d = e" for an aligned
 * derivation, where a row that goes on with a relation is no new
 * statement. */
enum envkind {
  ENV_PLAIN,  /* equation: rows, no cells */
  ENV_ALIGN,  /* & marks an alignment point only */
  ENV_MATRIX, /* & separates entries */
  ENV_CASES   /* value & condition */
};

struct menv {
  const char *name;
  enum envkind kind;
  const char *open, *close;
  int spec; /* a column specification or count follows (array, alignat) */
};

static const struct menv math_envs[] = {
    {"Bmatrix", ENV_MATRIX, "{", "}", 0},
    {"Vmatrix", ENV_MATRIX, "‖", "‖", 0},
    {"align", ENV_ALIGN, "", "", 0},
    {"align*", ENV_ALIGN, "", "", 0},
    {"alignat", ENV_ALIGN, "", "", 1},
    {"alignat*", ENV_ALIGN, "", "", 1},
    {"aligned", ENV_ALIGN, "", "", 0},
    {"alignedat", ENV_ALIGN, "", "", 1},
    {"array", ENV_MATRIX, "", "", 1},
    {"bmatrix", ENV_MATRIX, "[", "]", 0},
    {"cases", ENV_CASES, "{ ", " }", 0},
    {"dcases", ENV_CASES, "{ ", " }", 0},
    {"displaymath", ENV_PLAIN, "", "", 0},
    {"eqnarray", ENV_ALIGN, "", "", 0},
    {"eqnarray*", ENV_ALIGN, "", "", 0},
    {"equation", ENV_PLAIN, "", "", 0},
    {"equation*", ENV_PLAIN, "", "", 0},
    {"flalign", ENV_ALIGN, "", "", 0},
    {"flalign*", ENV_ALIGN, "", "", 0},
    {"gather", ENV_ALIGN, "", "", 0},
    {"gather*", ENV_ALIGN, "", "", 0},
    {"gathered", ENV_ALIGN, "", "", 0},
    {"matrix", ENV_MATRIX, "", "", 0},
    {"multline", ENV_ALIGN, "", "", 0},
    {"multline*", ENV_ALIGN, "", "", 0},
    {"pmatrix", ENV_MATRIX, "(", ")", 0},
    {"rcases", ENV_CASES, "", " }", 0},
    {"smallmatrix", ENV_MATRIX, "", "", 0},
    {"split", ENV_ALIGN, "", "", 0},
    {"subarray", ENV_MATRIX, "", "", 1},
    {"vmatrix", ENV_MATRIX, "|", "|", 0},
};

/* How a cell ended. */
enum mcell { CELL_FAIL, CELL_NEXT, CELL_ROW, CELL_END };

/* Reads "{name}" (letters and '*'); 0 if there is none. */
static int
m_env_name(struct math *m, const char **name, size_t *len)
{
  m_skip_space(m);
  if (m->i >= m->n || m->s[m->i] != '{')
    return 0;
  m->i++;
  *name = m->s + m->i;
  *len = 0;
  while (m->i < m->n &&
         (m_is_alpha((unsigned char)m->s[m->i]) || m->s[m->i] == '*'))
    m->i++, (*len)++;
  if (m->i >= m->n || m->s[m->i] != '}' || *len == 0)
    return 0;
  m->i++;
  return 1;
}

/* Skips a bracketed argument that is not shown (a column specification,
 * a row's extra space): from `open` to its balanced `close`. */
static void
m_skip_balanced(struct math *m, char open, char close)
{
  int level = 0;

  m_skip_space(m);
  if (m->i >= m->n || m->s[m->i] != open) {
    m_fail(m);
    return;
  }
  for (; m->i < m->n; m->i++) {
    if (m->s[m->i] == open)
      level++;
    else if (m->s[m->i] == close && --level == 0) {
      m->i++;
      return;
    }
  }
  m_fail(m);
}

/* Reads one cell up to '&', "\\" or "\end", and consumes that mark. */
static enum mcell
m_cell(struct math *m)
{
  m_skip_space(m); /* "| a" after a bar that m_space cannot tell */
  while (m->i < m->n && m_going(m)) {
    const char *s = m->s + m->i;
    size_t left = m->n - m->i;

    if (*s == '&') {
      m->i++;
      return CELL_NEXT;
    }
    if (left >= 2 && s[0] == '\\' && s[1] == '\\') {
      m->i += 2;
      if (m->i < m->n && m->s[m->i] == '*')
        m->i++;
      m_skip_space(m);
      if (m->i < m->n && m->s[m->i] == '[')
        m_skip_balanced(m, '[', ']');
      return m_going(m) ? CELL_ROW : CELL_FAIL;
    }
    if (left >= 4 && memcmp(s, "\\end", 4) == 0 &&
        (left == 4 || !m_is_alpha((unsigned char)s[4]))) {
      m->i += 4;
      return CELL_END;
    }
    if (*s == '}') {
      m_fail(m);
      return CELL_FAIL;
    }
    m_atom(m);
  }
  m_fail(m);
  return CELL_FAIL;
}

/* A row that begins with a relation or an operator goes on from the row
 * before it ("&= b", "&+ c"). */
static int
m_continues(const struct math *m, size_t from)
{
  static const uint32_t rel[] = {
      '=',    '<',    '>',    '+',    '-',    0x2212, 0x2264, 0x2265,
      0x2248, 0x2261, 0x221d, 0x223c, 0x2260, 0x2192, 0x21d2, 0x2243,
      0x2245, 0x2254, 0x226a, 0x226b, 0x227a, 0x227b, 0x2aaf, 0x2ab0,
      0x00d7, 0x22c5, 0x00b7, 0x21d4, 0x27f9};
  size_t a, b;
  uint32_t c;

  m_region(m, from, &a, &b);
  if (a == b || !m_decode((const unsigned char *)m->out->data + a, b - a, &c))
    return 0;
  for (size_t k = 0; k < sizeof(rel) / sizeof(rel[0]); k++)
    if (rel[k] == c)
      return 1;
  return 0;
}

static void
m_env(struct math *m)
{
  const struct menv *e = NULL;
  const char *name, *ename;
  size_t len, elen, k, a, b;
  enum mcell how = CELL_ROW;
  int rows = 0;

  if (!m_env_name(m, &name, &len)) {
    m_fail(m);
    return;
  }
  for (k = 0; k < sizeof(math_envs) / sizeof(math_envs[0]); k++)
    if (strlen(math_envs[k].name) == len &&
        memcmp(math_envs[k].name, name, len) == 0)
      e = &math_envs[k];
  if (!e) {
    m_fail(m);
    return;
  }
  if (e->spec) {
    m_skip_space(m);
    if (m->i < m->n && m->s[m->i] == '[')
      m_skip_balanced(m, '[', ']');
    if (m_going(m))
      m_skip_balanced(m, '{', '}');
  }
  m_raw(m, e->open, strlen(e->open));
  while (how != CELL_END && m_going(m)) {
    size_t mark = m->out->len, row, cell;
    int cells = 0;

    if (rows > 0)
      m_raw(m, "; ", 2);
    row = m->out->len;
    do {
      size_t sep = m->out->len;

      if (cells > 0) {
        if (e->kind == ENV_ALIGN || e->kind == ENV_PLAIN)
          m_space(m);
        else
          m_raw(m, m_last(m) == ',' ? " " : ", ", m_last(m) == ',' ? 1 : 2);
      }
      cell = m->out->len;
      how = m_cell(m);
      if (how == CELL_FAIL)
        return;
      if (how == CELL_NEXT && e->kind == ENV_PLAIN) {
        m_fail(m);
        return;
      }
      m_region(m, cell, &a, &b);
      if (a == b) {
        m_trunc(m, sep);
      } else {
        m_trunc(m, b);
        cells++;
      }
    } while (how == CELL_NEXT);
    if (cells == 0) {
      m_trunc(m, mark); /* "\\" before \end, or an empty row */
      continue;
    }
    if (rows > 0 && e->kind == ENV_ALIGN && m_continues(m, row)) {
      m_region(m, row, &a, &b);
      buf_reset(&m->tmp);
      m_tmp(m, " ", 1);
      m_tmp(m, m->out->data + a, b - a);
      m_replace(m, mark);
    }
    rows++;
  }
  if (!m_going(m))
    return;
  if (!m_env_name(m, &ename, &elen) || elen != len ||
      memcmp(ename, name, len) != 0) {
    m_fail(m);
    return;
  }
  if (m_last(m) == ' ')
    m_trunc(m, m->out->len - 1);
  m_raw(m, e->close, strlen(e->close));
}

static void
m_command(struct math *m)
{
  const struct mcmd *cmd;
  const char *name;
  size_t len, p, q, a, b, c2, d2;

  if (++m->depth > MATH_MAX_DEPTH) {
    m_fail(m);
    goto out;
  }
  m->i++; /* '\\' */
  if (m->i >= m->n) {
    m_fail(m);
    goto out;
  }
  name = m->s + m->i;
  if (m_is_alpha((unsigned char)*name)) {
    len = 0;
    while (m->i < m->n && m_is_alpha((unsigned char)m->s[m->i]))
      m->i++, len++;
  } else {
    len = 1;
    if (m_is_space((unsigned char)*name))
      name = " ";
    m->i++;
  }
  cmd = m_lookup(name, len);
  if (!cmd) {
    m_fail(m);
    goto out;
  }
  switch (cmd->kind) {
  case MK_SYM:
    m_puts(m, cmd->str);
    m_gobble(m, cmd->str);
    break;
  case MK_OPEN:
    m_puts(m, cmd->str);
    break;
  case MK_CLOSE:
    m_close(m, cmd->str, strlen(cmd->str));
    break;
  case MK_WORD:
    m_word_start(m);
    m_puts(m, cmd->str);
    m->opword = m->out->len;
    break;
  case MK_SPACE:
    m_space(m);
    break;
  case MK_NOTHING:
    break;
  case MK_DELIM:
    m_skip_space(m);
    if (m->i < m->n && m->s[m->i] == '.')
      m->i++;
    break;
  case MK_FONT:
    m_font(m, cmd->str[0]);
    break;
  case MK_TEXT:
    m_text(m);
    break;
  case MK_OPNAME:
    if (m->i < m->n && m->s[m->i] == '*')
      m->i++;
    m_word_start(m);
    m_text(m);
    m->opword = m->out->len;
    break;
  case MK_MATHOP:
    m_word_start(m);
    m_arg(m);
    m->opword = m->out->len;
    break;
  case MK_ACCENT:
  case MK_LINE:
    m_accent(m, cmd->str, cmd->kind == MK_LINE);
    break;
  case MK_FRAC:
  case MK_BINOM:
    m_two_args(m, &p, &q);
    if (!m_going(m))
      break;
    m_region(m, p, &a, &b);
    if (b > q)
      b = q;
    m_region(m, q, &c2, &d2);
    if (a == b || c2 == d2) {
      m_fail(m);
      break;
    }
    buf_reset(&m->tmp);
    if (cmd->kind == MK_FRAC) {
      m_tmp_operand(m, m->out->data + a, b - a);
      m_tmp(m, "/", 1);
      m_tmp_operand(m, m->out->data + c2, d2 - c2);
    } else {
      m_tmp(m, "C(", 2);
      m_tmp(m, m->out->data + a, b - a);
      m_tmp(m, ", ", 2);
      m_tmp(m, m->out->data + c2, d2 - c2);
      m_tmp(m, ")", 1);
    }
    m_replace(m, p);
    break;
  case MK_SQRT:
    m_sqrt(m);
    break;
  case MK_NOT:
    m_not(m);
    break;
  case MK_MOD:
    m_space(m);
    m_puts(m, "mod");
    m_space(m);
    break;
  case MK_PMOD:
    m_space(m);
    m_puts(m, "(mod ");
    m_arg(m);
    m_close(m, ")", 1);
    break;
  case MK_OVER:
  case MK_UNDER:
    m_two_args(m, &p, &q);
    if (!m_going(m))
      break;
    m_region(m, q, &c2, &d2);
    buf_reset(&m->tmp);
    m_tmp(m, m->out->data + c2, d2 - c2);
    m_region(m, p, &a, &b);
    if (b > q)
      b = q;
    m_scriptify(m, m->out->data + a, b - a, cmd->kind == MK_OVER, 1);
    m_replace(m, p);
    break;
  case MK_SKIP:
    p = m->out->len;
    m_arg(m);
    m_trunc(m, p);
    break;
  case MK_TAG:
    m_space(m);
    m_puts(m, "(");
    m_arg(m);
    m_close(m, ")", 1);
    break;
  case MK_ARG:
    m_arg(m);
    break;
  case MK_ENV:
    m_env(m);
    break;
  }
out:
  m->depth--;
}

/* One unit of a formula: a character, a group, a script, a command. */
static void
m_atom(struct math *m)
{
  const unsigned char *s = (const unsigned char *)m->s;
  size_t k;
  uint32_t c;

  if (++m->depth > MATH_MAX_DEPTH) {
    m_fail(m);
    goto out;
  }
  switch (s[m->i]) {
  case ' ':
  case '\t':
  case '\n':
  case '\r':
  case '\f':
  case '\v':
  case '~':
    m->i++;
    m_space(m);
    break;
  case '{':
    m_group(m);
    break;
  case '^':
  case '_':
    m->i++;
    m_script(m, s[m->i - 1] == '^');
    break;
  case '\\':
    m_command(m);
    break;
  case '&': /* alignment, macro parameters, comments, unbalanced */
  case '#':
  case '%':
  case '$':
  case '}':
    m_fail(m);
    break;
  case '\'':
    m->i++;
    m_puts(m, "\xe2\x80\xb2"); /* ′ */
    break;
  case ')':
  case ']':
    m_close(m, m->s + m->i, 1);
    m->i++;
    break;
  default:
    k = m_decode(s + m->i, m->n - m->i, &c);
    if (k == 0 || c < 0x20 || c == 0x7f) {
      m_fail(m);
      break;
    }
    m_put(m, m->s + m->i, k);
    m->i += k;
  }
out:
  m->depth--;
}

/* Reads units until `close` ('}' or ']') at this level, or the end
 * (close == 0). The caller consumes `close`. */
static void
m_expr(struct math *m, int close)
{
  while (m->i < m->n && m_going(m)) {
    int c = (unsigned char)m->s[m->i];

    if (close && c == close)
      return;
    if (c == '}') {
      m_fail(m);
      return;
    }
    m_atom(m);
  }
  if (close)
    m_fail(m);
}

enum sm_status
render_math(const char *tex, size_t len, struct buf *out, int *complete)
{
  struct math m;
  size_t end;

  memset(&m, 0, sizeof(m));
  m.s = tex;
  m.n = len;
  m.out = out;
  m.start = out->len;
  m.ok = 1;
  m.opword = (size_t)-1;
  buf_init(&m.tmp, out->max);
  m_expr(&m, 0);
  buf_free(&m.tmp);
  if (m.st != SM_OK) {
    m_trunc(&m, m.start);
    return m.st;
  }
  if (complete)
    *complete = m.ok;
  if (!m.ok) {
    m_trunc(&m, m.start);
    return buf_append(out, tex, len);
  }
  end = out->len;
  while (end > m.start && out->data[end - 1] == ' ')
    end--;
  m_trunc(&m, end);
  return SM_OK;
}
