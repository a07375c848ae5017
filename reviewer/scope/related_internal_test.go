package scope

import "testing"

func TestDeclared(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		"func redirect(to string) error {":   "redirect",
		"func (e *Entry) log(level Level) {": "log",
		"  redirect(url, alt) {":             "redirect",
		"def __init__(self, pool):":          "__init__",
		"public static final TypeAdapter<Number> LONG = new TypeAdapter<Number>() {": "LONG",
		"static LONG: AtomicUsize = AtomicUsize::new(0);":                            "LONG",
		"fn set_logger_inner<F>(make_logger: F) -> Result<(), SetLoggerError>":       "set_logger_inner",
		"var state int":                "state",
		"type Entry struct {":          "Entry",
		"class Foo(Base):":             "Foo",
		"const load = async (id) => {": "load",
		"return":                       "",
	} {
		if got := declared([]byte(line)); got != want {
			t.Errorf("declared(%q) = %q, want %q", line, got, want)
		}
	}
}
