package builtin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func render(t *testing.T, r *tool.Registry, tpl string, data value.Map, extra value.Map) string {
	t.Helper()
	p := value.Map{"input": tpl, "context": data}
	for k, v := range extra {
		p[k] = v
	}
	out, _ := result(t, invoke(t, r, "template_engine", p), "output").(string)
	return out
}

func TestTemplateJinja(t *testing.T) {
	r := jsonReg(t)
	data := value.Map{"name": "ann", "n": int64(3), "items": value.List{"a", "b", "c"},
		"user":   value.Map{"role": "admin", "tags": value.List{int64(1), int64(2)}},
		"prices": value.Map{"tea": 2.5, "coffee": int64(3)}, "html": "<b>&</b>"}
	for tpl, want := range map[string]string{
		"Hello {{ name }}!": "Hello ann!",
		"{{ name | upper }} {{ name|title }} {{ items|length }}":                                    "ANN Ann 3",
		"{{ user.role }} {{ user['role'] }} {{ user.tags[1] }} {{ items[-1] }}":                     "admin admin 2 c",
		"{% if n > 2 and user.role == 'admin' %}yes{% else %}no{% endif %}":                         "yes",
		"{% if n > 5 %}a{% elif n == 3 %}b{% else %}c{% endif %}":                                   "b",
		"{% for x in items %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}": "1a,2b,3c",
		"{% for k, v in prices %}{{ k }}={{ v }};{% endfor %}":                                      "coffee=3;tea=2.5;",
		"{% for k in prices %}{{ k }}={{ prices[k] }};{% endfor %}":                                 "coffee=3;tea=2.5;",
		"{% for x in missing %}x{% else %}empty{% endfor %}":                                        "empty",
		"{% set total = n * 2 + 1 %}{{ total }}":                                                    "7",
		"{{ missing | default('none') }} {{ items | join('-') }}":                                   "none a-b-c",
		"{{ 'b' in items }} {{ 'z' not in items }} {{ 'x' ~ n }}":                                   "true true x3",
		"{# comment #}a  {%- if true -%}  b  {%- endif %}":                                          "ab",
		"{% raw %}{{ name }}{% endraw %}":                                                           "{{ name }}",
		"{% for i in range(3) %}{{ i }}{% endfor %}":                                                "012",
		"{{ html }}":                        "<b>&</b>",
		"{{ 7 / 2 }} {{ 10 % 4 }} {{ -n }}": "3.5 2 -3",
		"{% for a in items %}{% for b in user.tags %}{{ a }}{{ b }}{% endfor %}{% endfor %}": "a1a2b1b2c1c2",
	} {
		if got := render(t, r, tpl, data, nil); got != want {
			t.Errorf("%s\n got %q\nwant %q", tpl, got, want)
		}
	}
	if got := render(t, r, "{{ html }} {{ html | safe }}", data, value.Map{"escape_html": true}); got != "&lt;b&gt;&amp;&lt;/b&gt; <b>&</b>" {
		t.Errorf("escape: %q", got)
	}
}

func TestTemplateHandlebars(t *testing.T) {
	r := jsonReg(t)
	data := value.Map{"title": "T", "ok": true, "none": value.List{}, "html": "<i>",
		"people": value.List{value.Map{"name": "ann", "age": int64(3)}, value.Map{"name": "bob"}},
		"owner":  value.Map{"name": "zed"}}
	for tpl, want := range map[string]string{
		"{{title}}: {{#if ok}}on{{else}}off{{/if}}":                                  "T: on",
		"{{#unless ok}}x{{else}}y{{/unless}}":                                        "y",
		"{{#each people}}{{@index}}:{{name}}{{#if @last}}.{{else}},{{/if}}{{/each}}": "0:ann,1:bob.",
		"{{#each people}}{{name}}/{{../title}} {{/each}}":                            "ann/T bob/T ",
		"{{#each none}}x{{else}}empty{{/each}}":                                      "empty",
		"{{#with owner}}{{name}}{{/with}}":                                           "zed",
		"{{#each people}}{{#each ../people}}{{name}}{{/each}}|{{/each}}":             "annbob|annbob|",
		"{{! comment }}{{{html}}} {{&html}}":                                         "<i> <i>",
		"{{#each owner}}{{@key}}={{this}}{{/each}}":                                  "name=zed",
	} {
		if got := render(t, r, tpl, data, nil); got != want {
			t.Errorf("%s\n got %q\nwant %q", tpl, got, want)
		}
	}
	if got := render(t, r, "{{#if ok}}{{html}}{{{html}}}{{/if}}", data, value.Map{"escape_html": true}); got != "&lt;i&gt;<i>" {
		t.Errorf("escape: %q", got)
	}
}

func TestTemplateFailures(t *testing.T) {
	r := jsonReg(t)
	big := value.List{}
	for i := 0; i < 1000; i++ {
		big = append(big, int64(i))
	}
	for tpl, msg := range map[string]string{
		"{% if x %}never closed":      "never closed",
		"{% for x in %}{% endfor %}":  "needs",
		"{% for x in  %}{% endfor %}": "needs",
		"{{ a + }}":                   "unexpected end",
		"{% endif %}":                 "unexpected",
		"{{ name ":                    "never closed",
		"{{ a | nosuch }}":            "unknown filter",
		"{% while true %}":            "unknown statement",
		"{{#each xs}}no close":        "never closed",
		"{{#loop xs}}{{/loop}}":       "unknown block helper",
		"{{ 1 / 0 }}":                 "division by zero",
		// Loops that would run away: nested loops over a 1000-item list.
		"{% for a in big %}{% for b in big %}{{ b }}{% endfor %}{% endfor %}":                                "iterations",
		"{% for i in range(100000000) %}{% endfor %}":                                                        "range",
		"{% for a in big %}{% for b in big %}{% for c in range(5000) %}{% endfor %}{% endfor %}{% endfor %}": "iterations",
		strings.Repeat("{% if true %}", 200) + strings.Repeat("{% endif %}", 200):                            "deeper",
		"{{ " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + " }}":                            "deeper",
	} {
		env := invoke(t, r, "template_engine", value.Map{"input": tpl, "context": value.Map{"big": big}})
		wantFail(t, env, errs.KindTool, msg)
	}
	// Output cap: a loop writing a lot.
	env := invoke(t, r, "template_engine", value.Map{"input": "{% for a in big %}" + strings.Repeat("x", 2000) + "{% endfor %}", "context": value.Map{"big": big}})
	wantFail(t, env, errs.KindTool, "exceed")
	env = invoke(t, r, "template_engine", value.Map{"input": "{% for a in big %}{{ a }}{% endfor %}", "context": value.Map{"big": big}, "max_output": int64(100)})
	wantFail(t, env, errs.KindTool, "exceed 100 bytes")
	// String building inside loops is charged too, though nothing is written.
	env = invoke(t, r, "template_engine", value.Map{"input": "{% for a in big %}{% for b in range(10) %}{% set s = big | join(',') %}{% endfor %}{% endfor %}", "context": value.Map{"big": big}})
	wantFail(t, env, errs.KindTool, "exceed")
	if _, err := r.Invoke(ctx, "template_engine", value.Map{"input": strings.Repeat("x", maxTemplateLen+1)}); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Fatalf("huge template: %v", err)
	}
}

func TestTemplateCancel(t *testing.T) {
	c, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	big := value.List{}
	for i := 0; i < 5000; i++ {
		big = append(big, int64(i))
	}
	_, err := RenderTemplate(c, "{% for a in big %}{% endfor %}", value.Map{"big": big}, "", false, 0)
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("cancel: %v", err)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"Hello {{ name }}", "{% for x in items %}{{ loop.index }}{{ x | upper }}{% endfor %}",
		"{% if a > 1 %}x{% elif b %}y{% else %}z{% endif %}", "{{#each items}}{{@index}}{{this}}{{/each}}",
		"{{#if a}}{{{raw}}}{{else}}{{b}}{{/if}}", "{%- set x = [1, 2] + [3] -%}{{ x | join(',') }}",
		"{{ ../a }}", "{% raw %}{{{% endraw %}", "{{", "{%", "{#", "{{ 'unterminated }}",
	} {
		f.Add(s)
	}
	data := value.Map{"name": "n", "a": int64(2), "b": true, "raw": "<x>", "items": value.List{"p", "q", int64(3), value.Map{"k": "v"}}}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := RenderTemplate(context.Background(), src, data, "auto", true, 1<<16)
		if err != nil && errs.KindOf(err) != errs.KindTool {
			t.Fatalf("%q: error kind %v", src, errs.KindOf(err))
		}
		if len(out) > 1<<16 {
			t.Fatalf("%q: output %d bytes over the cap", src, len(out))
		}
	})
}
