package builtin

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// csv_analyzer parses CSV with encoding/csv (ragged rows allowed and
// reported, quotes strict) from text or a file under the policy.

const (
	maxCSVBytes    = 64 << 20
	maxCSVRows     = 1000000
	maxCSVColumns  = 10000
	maxCSVDistinct = 10000
)

type csvTable struct {
	header []string
	rows   [][]string
	ragged int
}

// ParseCSV reads a table. Without a header, columns are named column_1....
func ParseCSV(ctx context.Context, r io.Reader, delim rune, header bool) (*csvTable, error) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	t := &csvTable{}
	width := -1
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail("csv_analyzer", "bad CSV: %v", err)
		}
		if len(rec) > maxCSVColumns {
			return nil, errs.New(errs.KindLimit, "csv_analyzer: more than %d columns", maxCSVColumns)
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if n == 0 && header {
			t.header = dedupeNames(rec)
			width = len(rec)
			continue
		}
		if width < 0 {
			width = len(rec)
		}
		if len(rec) != width {
			t.ragged++
		}
		if len(t.rows) >= maxCSVRows {
			return nil, errs.New(errs.KindLimit, "csv_analyzer: more than %d rows", maxCSVRows)
		}
		t.rows = append(t.rows, rec)
	}
	maxw := max(width, 0)
	for _, r := range t.rows {
		maxw = max(maxw, len(r))
	}
	for i := len(t.header); i < maxw; i++ {
		t.header = append(t.header, "column_"+strconv.Itoa(i+1))
	}
	return t, nil
}

func dedupeNames(rec []string) []string {
	seen := map[string]int{}
	out := make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
		}
		if n := seen[h]; n > 0 {
			out[i] = h + "_" + strconv.Itoa(n+1)
		} else {
			out[i] = h
		}
		seen[h]++
	}
	return out
}

func (t *csvTable) cell(row []string, col int) string {
	if col < len(row) {
		return row[col]
	}
	return ""
}

func (t *csvTable) col(name string) (int, error) {
	for i, h := range t.header {
		if h == name {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 1 && n <= len(t.header) {
		return n - 1, nil
	}
	return 0, fail("csv_analyzer", "no column %q (columns: %s)", name, strings.Join(t.header, ", "))
}

var csvDateLayouts = []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "01/02/2006", "02.01.2006", "2006/01/02"}

func csvDate(s string) bool {
	for _, l := range csvDateLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

func csvBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y":
		return true, true
	case "false", "no", "n":
		return false, true
	}
	return false, false
}

// typed converts a cell to a JSON value (numbers, booleans, empty -> null).
func typed(s string, infer bool) value.Value {
	if !infer {
		return s
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return nil
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil && !(len(t) > 1 && t[0] == '0') {
		return n
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && strings.ContainsAny(t, ".eE") {
		return f
	}
	if b, ok := csvBool(t); ok {
		return b
	}
	return s
}

func (t *csvTable) analyze() value.Map {
	cols := value.List{}
	for ci, name := range t.header {
		var nums []float64
		nulls, ints, floats, bools, dates := 0, 0, 0, 0, 0
		distinct := map[string]int{}
		minLen, maxLen := math.MaxInt, 0
		for _, r := range t.rows {
			s := strings.TrimSpace(t.cell(r, ci))
			if s == "" {
				nulls++
				continue
			}
			if len(distinct) < maxCSVDistinct || distinct[s] > 0 {
				distinct[s]++
			}
			minLen, maxLen = min(minLen, len([]rune(s))), max(maxLen, len([]rune(s)))
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				ints++
				f, _ := strconv.ParseFloat(s, 64)
				nums = append(nums, f)
			} else if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				floats++
				nums = append(nums, f)
			} else if _, ok := csvBool(s); ok {
				bools++
			} else if csvDate(s) {
				dates++
			}
		}
		filled := len(t.rows) - nulls
		typ := "string"
		switch {
		case filled == 0:
			typ = "empty"
		case ints == filled:
			typ = "integer"
		case ints+floats == filled:
			typ = "number"
		case bools == filled:
			typ = "boolean"
		case dates == filled:
			typ = "date"
		}
		c := value.Map{"name": name, "type": typ, "count": int64(filled), "nulls": int64(nulls), "unique": int64(len(distinct))}
		if len(distinct) >= maxCSVDistinct {
			c["unique_capped"] = true
		}
		if typ == "integer" || typ == "number" {
			sort.Float64s(nums)
			sum := 0.0
			for _, f := range nums {
				sum += f
			}
			mean := sum / float64(len(nums))
			v := 0.0
			for _, f := range nums {
				v += (f - mean) * (f - mean)
			}
			med := nums[len(nums)/2]
			if len(nums)%2 == 0 {
				med = (nums[len(nums)/2-1] + nums[len(nums)/2]) / 2
			}
			c["min"], c["max"], c["sum"], c["mean"], c["median"] = tplNumValue(nums[0]), tplNumValue(nums[len(nums)-1]), tplNumValue(sum), mean, med
			if len(nums) > 1 {
				c["stddev"] = math.Sqrt(v / float64(len(nums)-1))
			}
		} else if filled > 0 {
			c["min_length"], c["max_length"] = int64(minLen), int64(maxLen)
			type kv struct {
				k string
				n int
			}
			var top []kv
			for k, n := range distinct {
				top = append(top, kv{k, n})
			}
			sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || top[i].n == top[j].n && top[i].k < top[j].k })
			l := value.List{}
			for i := 0; i < len(top) && i < 5; i++ {
				l = append(l, value.Map{"value": top[i].k, "count": int64(top[i].n)})
			}
			c["top_values"] = l
		}
		cols = append(cols, c)
	}
	return value.Map{"rows": int64(len(t.rows)), "columns": int64(len(t.header)), "column_stats": cols, "ragged_rows": int64(t.ragged)}
}

func (t *csvTable) records(rows [][]string, infer bool) value.List {
	out := make(value.List, len(rows))
	for i, r := range rows {
		m := make(value.Map, len(t.header))
		for ci, h := range t.header {
			m[h] = typed(t.cell(r, ci), infer)
		}
		out[i] = m
	}
	return out
}

func (t *csvTable) toCSV(rows [][]string, delim rune) (string, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = delim
	if err := w.Write(t.header); err != nil {
		return "", err
	}
	for _, r := range rows {
		full := make([]string, len(t.header))
		for i := range full {
			full[i] = t.cell(r, i)
		}
		if err := w.Write(full); err != nil {
			return "", err
		}
	}
	w.Flush()
	return b.String(), w.Error()
}

type csvCond struct {
	col int
	op  string
	val string
	num float64
	isN bool
	re  *regexp.Regexp
}

func (t *csvTable) cond(m value.Map) (*csvCond, error) {
	name, _ := m["column"].(string)
	ci, err := t.col(name)
	if err != nil {
		return nil, err
	}
	c := &csvCond{col: ci, op: "eq"}
	if op, ok := m["operator"].(string); ok && op != "" {
		c.op = op
	}
	c.val = tplText(m["value"])
	c.num, c.isN = tplNum(m["value"])
	switch c.op {
	case "eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_contains", "starts_with", "ends_with", "empty", "not_empty", "in":
	case "regex":
		if len(c.val) > 1000 {
			return nil, fail("csv_analyzer", "regex longer than 1000 characters")
		}
		re, err := regexp.Compile(c.val)
		if err != nil {
			return nil, fail("csv_analyzer", "invalid regex %q: %v", c.val, err)
		}
		c.re = re
	default:
		return nil, fail("csv_analyzer", "unknown operator %q (eq, ne, gt, gte, lt, lte, contains, not_contains, starts_with, ends_with, regex, in, empty, not_empty)", c.op)
	}
	return c, nil
}

func (c *csvCond) match(t *csvTable, row []string, cond value.Map) bool {
	s := t.cell(row, c.col)
	ts := strings.TrimSpace(s)
	switch c.op {
	case "empty":
		return ts == ""
	case "not_empty":
		return ts != ""
	case "contains":
		return strings.Contains(s, c.val)
	case "not_contains":
		return !strings.Contains(s, c.val)
	case "starts_with":
		return strings.HasPrefix(s, c.val)
	case "ends_with":
		return strings.HasSuffix(s, c.val)
	case "regex":
		return c.re.MatchString(s)
	case "in":
		l, _ := cond["value"].(value.List)
		for _, e := range l {
			if tplText(e) == s {
				return true
			}
		}
		return false
	}
	f, err := strconv.ParseFloat(ts, 64)
	cmp := 0
	if err == nil && c.isN {
		cmp = compareF(f, c.num)
	} else {
		cmp = strings.Compare(s, c.val)
	}
	switch c.op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "gt":
		return cmp > 0
	case "gte":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "lte":
		return cmp <= 0
	}
	return false
}

func compareF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func csvTool() *tool.Tool {
	return &tool.Tool{
		Name: "csv_analyzer", Category: "data", Level: tool.Safe, Tags: []string{"csv", "data"},
		Description: "Analyze CSV (column types and statistics), convert it to JSON, filter, transform and sample rows.",
		Schema: obj(value.Map{
			"operation":   enum("analyze (default), convert, filter, transform or sample", "analyze", "convert", "filter", "transform", "sample"),
			"input":       value.Map{"type": "string", "description": "CSV text", "maxLength": int64(maxCSVBytes)},
			"file":        str("CSV file (inside the allowed folders) instead of input"),
			"delimiter":   value.Map{"type": "string", "description": "field delimiter (default ','; \\t for tabs)", "minLength": int64(1), "maxLength": int64(2)},
			"has_header":  boolean("the first row names the columns (default true)"),
			"infer_types": boolean("convert numbers and booleans, empty cells to null (default true)"),
			"format":      enum("output rows as json (default) or csv", "json", "csv"),
			"column":      str("filter: the column (name or 1-based number)"),
			"operator":    enum("filter: comparison (default eq)", "eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_contains", "starts_with", "ends_with", "regex", "in", "empty", "not_empty"),
			"value":       value.Map{"description": "filter: the value compared with"},
			"conditions":  value.Map{"type": "array", "description": "filter: several {column, operator, value}, all must match (or any with match: any)", "maxItems": int64(100), "items": value.Map{"type": "object"}},
			"match":       enum("filter: all (default) or any condition", "all", "any"),
			"columns":     value.Map{"type": "array", "description": "transform: keep these columns, in this order", "items": value.Map{"type": "string"}},
			"rename":      value.Map{"type": "object", "description": "transform: old name -> new name"},
			"sort_by":     str("transform: sort rows by this column"),
			"descending":  boolean("transform: sort descending"),
			"count":       value.Map{"type": "integer", "description": "sample: number of rows (default 10)", "minimum": int64(0), "maximum": int64(maxCSVRows)},
			"method":      enum("sample: first (default), last or random", "first", "last", "random"),
			"seed":        value.Map{"type": "integer", "description": "sample: random seed for a repeatable sample"},
			"limit":       value.Map{"type": "integer", "description": "at most this many rows in the output", "minimum": int64(0)},
		}),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			var src io.Reader
			if f := c.Str("file", ""); f != "" {
				real, err := c.Policy.CheckPath(f)
				if err != nil {
					return nil, err
				}
				fh, err := os.Open(real)
				if err != nil {
					return nil, fail("csv_analyzer", "open %s: %v", f, err)
				}
				defer fh.Close()
				if st, err := fh.Stat(); err == nil && st.Size() > maxCSVBytes {
					return nil, errs.New(errs.KindLimit, "csv_analyzer: %s is %d bytes, over %d", f, st.Size(), maxCSVBytes)
				}
				src = io.LimitReader(fh, maxCSVBytes)
			} else if in, ok := c.Params["input"].(string); ok {
				src = strings.NewReader(in)
			} else {
				return nil, fail("csv_analyzer", "give input or file")
			}
			delim := ','
			if d := c.Str("delimiter", ","); d == "\\t" || d == "\t" {
				delim = '\t'
			} else if rs := []rune(d); len(rs) == 1 && rs[0] != '"' && rs[0] != '\r' && rs[0] != '\n' {
				delim = rs[0]
			} else {
				return nil, fail("csv_analyzer", "bad delimiter %q", d)
			}
			header := true
			if h, ok := c.Params["has_header"].(bool); ok {
				header = h
			}
			infer := true
			if b, ok := c.Params["infer_types"].(bool); ok {
				infer = b
			}
			t, err := ParseCSV(ctx, src, delim, header)
			if err != nil {
				return nil, err
			}
			op := c.Str("operation", "analyze")
			rows := t.rows
			switch op {
			case "analyze":
				res := t.analyze()
				res["header"] = csvList(t.header)
				return res, nil
			case "filter":
				conds := []value.Map{}
				if l, ok := c.Params["conditions"].(value.List); ok {
					for _, e := range l {
						conds = append(conds, e.(value.Map))
					}
				}
				if _, ok := c.Params["column"]; ok {
					conds = append(conds, value.Map{"column": c.Params["column"], "operator": c.Params["operator"], "value": c.Params["value"]})
				}
				if len(conds) == 0 {
					return nil, fail("csv_analyzer", "filter needs column (with operator and value) or conditions")
				}
				compiled := make([]*csvCond, len(conds))
				for i, m := range conds {
					if compiled[i], err = t.cond(m); err != nil {
						return nil, err
					}
				}
				matchAny := c.Str("match", "all") == "any"
				var kept [][]string
				for _, r := range rows {
					ok := !matchAny
					for i, cc := range compiled {
						m := cc.match(t, r, conds[i])
						if matchAny && m {
							ok = true
							break
						}
						if !matchAny && !m {
							ok = false
							break
						}
					}
					if ok {
						kept = append(kept, r)
					}
				}
				rows = kept
			case "transform":
				if sb := c.Str("sort_by", ""); sb != "" {
					ci, err := t.col(sb)
					if err != nil {
						return nil, err
					}
					rows = append([][]string{}, rows...)
					desc, _ := c.Params["descending"].(bool)
					sort.SliceStable(rows, func(i, j int) bool {
						a, b := t.cell(rows[i], ci), t.cell(rows[j], ci)
						fa, e1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
						fb, e2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
						cmp := strings.Compare(a, b)
						if e1 == nil && e2 == nil {
							cmp = compareF(fa, fb)
						}
						if desc {
							return cmp > 0
						}
						return cmp < 0
					})
				}
				if cols, ok := c.Params["columns"].(value.List); ok && len(cols) > 0 {
					idx := make([]int, len(cols))
					names := make([]string, len(cols))
					for i, cn := range cols {
						if idx[i], err = t.col(cn.(string)); err != nil {
							return nil, err
						}
						names[i] = t.header[idx[i]]
					}
					proj := make([][]string, len(rows))
					for i, r := range rows {
						p := make([]string, len(idx))
						for j, ci := range idx {
							p[j] = t.cell(r, ci)
						}
						proj[i] = p
					}
					rows = proj
					t = &csvTable{header: names}
				}
				if ren, ok := c.Params["rename"].(value.Map); ok {
					hdr := append([]string{}, t.header...)
					for old, nw := range ren {
						ci, err := t.col(old)
						if err != nil {
							return nil, err
						}
						hdr[ci] = tplText(nw)
					}
					t = &csvTable{header: hdr}
				}
			case "sample":
				n := 10
				if v, ok := tplNum(c.Params["count"]); ok {
					n = int(v)
				}
				n = min(n, len(rows))
				switch c.Str("method", "first") {
				case "last":
					rows = rows[len(rows)-n:]
				case "random":
					seed := uint64(time.Now().UnixNano())
					if s, ok := c.Params["seed"].(int64); ok {
						seed = uint64(s)
					} else if s, ok := c.Params["seed"].(float64); ok {
						seed = uint64(s)
					}
					rng := rand.New(rand.NewPCG(seed, 0x6c6c6d7370656c6c))
					perm := rng.Perm(len(rows))[:n]
					sort.Ints(perm) // keep file order
					picked := make([][]string, n)
					for i, p := range perm {
						picked[i] = rows[p]
					}
					rows = picked
				default:
					rows = rows[:n]
				}
			}
			total := len(rows)
			if l, ok := tplNum(c.Params["limit"]); ok && int(l) < len(rows) {
				rows = rows[:int(l)]
			}
			res := value.Map{"row_count": int64(total), "columns": csvList(t.header)}
			if c.Str("format", "json") == "csv" {
				s, err := t.toCSV(rows, delim)
				if err != nil {
					return nil, fail("csv_analyzer", "%v", err)
				}
				res["csv"] = s
			} else {
				res["rows"] = t.records(rows, infer)
			}
			return res, nil
		},
	}
}

func csvList(s []string) value.List {
	l := make(value.List, len(s))
	for i, x := range s {
		l[i] = x
	}
	return l
}
