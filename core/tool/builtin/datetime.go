package builtin

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// date_time_handler uses the standard library's time package with the
// embedded time zone database. Formats are a name (rfc3339, iso8601,
// rfc1123, rfc2822, date, time, datetime, unix, unix_ms), a strftime
// pattern (%Y-%m-%d %H:%M:%S) or a Go layout (2006-01-02).

var namedLayouts = map[string]string{
	"rfc3339": time.RFC3339, "rfc3339nano": time.RFC3339Nano, "iso8601": time.RFC3339, "iso": time.RFC3339,
	"rfc1123": time.RFC1123, "rfc1123z": time.RFC1123Z, "rfc2822": time.RFC1123Z, "rfc822": time.RFC822, "rfc850": time.RFC850,
	"ansic": time.ANSIC, "kitchen": time.Kitchen, "date": "2006-01-02", "time": "15:04:05", "datetime": "2006-01-02 15:04:05",
}

var strftime = map[byte]string{
	'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'e': "_2", 'H': "15", 'I': "03", 'M': "04", 'S': "05",
	'p': "PM", 'b': "Jan", 'h': "Jan", 'B': "January", 'a': "Mon", 'A': "Monday", 'Z': "MST", 'z': "-0700",
	'f': "000000", 'L': "000", 'j': "002", 'F': "2006-01-02", 'T': "15:04:05", 'D': "01/02/06", 'R': "15:04", '%': "%",
}

// dateLayout turns a format name, strftime pattern or Go layout into a Go
// layout.
func dateLayout(f string) string {
	if l, ok := namedLayouts[strings.ToLower(f)]; ok {
		return l
	}
	if !strings.Contains(f, "%") {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] == '%' && i+1 < len(f) {
			if l, ok := strftime[f[i+1]]; ok {
				b.WriteString(l)
				i++
				continue
			}
		}
		b.WriteByte(f[i])
	}
	return b.String()
}

var parseLayouts = []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04", "2006-01-02", time.RFC1123Z, time.RFC1123, time.RFC850, time.RFC822Z, time.RFC822, time.ANSIC, time.UnixDate,
	"Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "02 Jan 2006 15:04", "01/02/2006", "01/02/2006 15:04:05", "2006/01/02", "20060102", "15:04:05", "15:04"}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "local") {
		return time.Local, nil
	}
	if strings.EqualFold(name, "utc") || name == "Z" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Fixed offsets: +05:30, -0800, UTC+2.
		s := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(name), "UTC"), "GMT")
		for _, l := range []string{"-07:00", "-0700", "-07"} {
			if t, err := time.Parse(l, s); err == nil {
				_, off := t.Zone()
				return time.FixedZone(name, off), nil
			}
		}
		if n, err := strconv.Atoi(s); err == nil && n >= -14 && n <= 14 {
			return time.FixedZone(name, n*3600), nil
		}
		return nil, fail("date_time_handler", "unknown time zone %q", name)
	}
	return loc, nil
}

// parseTime reads a date in format (or any known form) in zone loc.
func parseTime(in value.Value, format string, loc *time.Location) (time.Time, error) {
	if n, ok := in.(int64); ok {
		return unixAuto(float64(n)).In(loc), nil
	}
	if f, ok := in.(float64); ok {
		return unixAuto(f).In(loc), nil
	}
	s, ok := in.(string)
	if !ok {
		return time.Time{}, fail("date_time_handler", "a date must be a string or a Unix time")
	}
	s = strings.TrimSpace(s)
	switch strings.ToLower(format) {
	case "unix", "unix_ms", "timestamp":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fail("date_time_handler", "%q is not a Unix time", s)
		}
		if strings.ToLower(format) == "unix_ms" {
			f /= 1000
		}
		return unixSec(f).In(loc), nil
	case "":
		if f, err := strconv.ParseFloat(s, 64); err == nil && len(s) != 8 {
			return unixAuto(f).In(loc), nil
		}
		switch strings.ToLower(s) {
		case "now":
			return time.Now().In(loc), nil
		case "today":
			y, m, d := time.Now().In(loc).Date()
			return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
		}
		for _, l := range parseLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fail("date_time_handler", "cannot parse %q as a date (give format)", s)
	}
	t, err := time.ParseInLocation(dateLayout(format), s, loc)
	if err != nil {
		return time.Time{}, fail("date_time_handler", "cannot parse %q with format %q: %v", s, format, err)
	}
	return t, nil
}

func unixSec(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// unixAuto treats numbers above 1e11 as milliseconds.
func unixAuto(f float64) time.Time {
	if math.Abs(f) > 1e11 {
		f /= 1000
	}
	return unixSec(f)
}

func timeInfo(t time.Time, format string) value.Map {
	year, week := t.ISOWeek()
	_, off := t.Zone()
	m := value.Map{
		"iso": t.Format(time.RFC3339Nano), "unix": t.Unix(), "unix_ms": t.UnixMilli(),
		"year": int64(t.Year()), "month": int64(t.Month()), "day": int64(t.Day()), "hour": int64(t.Hour()),
		"minute": int64(t.Minute()), "second": int64(t.Second()), "nanosecond": int64(t.Nanosecond()),
		"weekday": t.Weekday().String(), "day_of_year": int64(t.YearDay()), "iso_week": int64(week), "iso_year": int64(year),
		"timezone": t.Location().String(), "offset_seconds": int64(off),
	}
	if format != "" {
		m["formatted"] = formatTime(t, format)
	}
	return m
}

func formatTime(t time.Time, format string) value.Value {
	switch strings.ToLower(format) {
	case "unix", "timestamp":
		return t.Unix()
	case "unix_ms":
		return t.UnixMilli()
	}
	return t.Format(dateLayout(format))
}

func addUnit(t time.Time, amount float64, unit string) (time.Time, error) {
	whole := amount == math.Trunc(amount)
	calendar := func(y, m, d int) (time.Time, error) {
		if !whole {
			return t, fail("date_time_handler", "%s need a whole amount", unit)
		}
		if math.Abs(amount) > 1e6 {
			return t, fail("date_time_handler", "amount %v is out of range", amount)
		}
		if y != 0 || m != 0 {
			// Years and months stop at the end of a shorter month
			// (Jan 31 + 1 month = Feb 28/29), as calendars and most date
			// libraries do, instead of rolling into the next month.
			first := time.Date(t.Year()+y, t.Month()+time.Month(m), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
			last := first.AddDate(0, 1, -1).Day()
			return first.AddDate(0, 0, min(t.Day(), last)-1+d), nil
		}
		return t.AddDate(y, m, d), nil
	}
	n := int(amount)
	var d float64
	switch strings.TrimSuffix(strings.ToLower(unit), "s") {
	case "year":
		return calendar(n, 0, 0)
	case "month":
		return calendar(0, n, 0)
	case "week":
		return calendar(0, 0, 7*n)
	case "day":
		if whole {
			return calendar(0, 0, n)
		}
		d = amount * 24 * float64(time.Hour)
	case "hour":
		d = amount * float64(time.Hour)
	case "minute":
		d = amount * float64(time.Minute)
	case "second", "":
		d = amount * float64(time.Second)
	case "millisecond", "m":
		d = amount * float64(time.Millisecond)
	default:
		return t, fail("date_time_handler", "unknown unit %q (years, months, weeks, days, hours, minutes, seconds, milliseconds)", unit)
	}
	if math.Abs(d) > math.MaxInt64/2 {
		return t, fail("date_time_handler", "amount %v %s is out of range", amount, unit)
	}
	return t.Add(time.Duration(d)), nil
}

func humanDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	days := int64(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	parts := []string{}
	add := func(n int64, unit string) {
		if n > 0 {
			s := ""
			if n != 1 {
				s = "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s%s", n, unit, s))
		}
	}
	add(days, "day")
	add(int64(d/time.Hour), "hour")
	add(int64(d%time.Hour/time.Minute), "minute")
	add(int64(d%time.Minute/time.Second), "second")
	if len(parts) == 0 {
		return "0 seconds"
	}
	s := strings.Join(parts, " ")
	if neg {
		s = "-" + s
	}
	return s
}

func dateTimeTool() *tool.Tool {
	return &tool.Tool{
		Name: "date_time_handler", Category: "utility", Level: tool.Safe, Tags: []string{"time", "date"},
		Description: "Parse, format, convert between time zones, add and subtract, and compare dates and times.",
		Schema: obj(value.Map{
			"operation":       enum("parse (default), now, convert_timezone, add, subtract, difference, info or formats", "parse", "now", "convert_timezone", "add", "subtract", "difference", "info", "formats"),
			"input":           value.Map{"type": value.List{"string", "number"}, "description": "a date (text, or a Unix time in seconds or milliseconds)", "maxLength": int64(1000)},
			"format":          str("input format: a name (rfc3339, iso8601, rfc1123, date, datetime, unix, unix_ms), strftime (%Y-%m-%d) or a Go layout"),
			"output_format":   str("format of the formatted field (same forms as format)"),
			"timezone":        str("zone of the input or of now (IANA name like Europe/Paris, UTC, or an offset like +05:30); default UTC"),
			"target_timezone": str("convert_timezone: the zone to convert to"),
			"amount":          value.Map{"type": "number", "description": "add/subtract: how much"},
			"unit":            enum("add/subtract: the unit (default days)", "years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"),
			"start":           value.Map{"type": value.List{"string", "number"}, "description": "difference: the earlier date"},
			"end":             value.Map{"type": value.List{"string", "number"}, "description": "difference: the later date (default now)"},
		}),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "parse")
			loc, err := loadZone(c.Str("timezone", ""))
			if err != nil {
				return nil, err
			}
			format, outFormat := c.Str("format", ""), c.Str("output_format", "")
			input := func() (time.Time, error) {
				in, ok := c.Params["input"]
				if !ok {
					return time.Time{}, fail("date_time_handler", "%s needs input", op)
				}
				return parseTime(in, format, loc)
			}
			switch op {
			case "formats":
				names := value.Map{}
				for k, l := range namedLayouts {
					names[k] = l
				}
				dirs := value.Map{}
				for k, l := range strftime {
					dirs["%"+string(k)] = l
				}
				return value.Map{"named": names, "strftime": dirs, "go_layout_reference": "Mon Jan 2 15:04:05 MST 2006"}, nil
			case "now":
				return timeInfo(time.Now().In(loc), outFormat), nil
			case "parse", "info":
				t, err := input()
				if err != nil {
					return nil, err
				}
				res := timeInfo(t, outFormat)
				if op == "info" {
					y := t.Year()
					leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
					res["leap_year"] = leap
					res["quarter"] = int64((int(t.Month())-1)/3 + 1)
					res["days_in_month"] = int64(time.Date(y, t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
					res["is_weekend"] = t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
					res["is_dst"] = t.IsDST()
				}
				return res, nil
			case "convert_timezone":
				t, err := input()
				if err != nil {
					return nil, err
				}
				target := c.Str("target_timezone", "")
				if target == "" {
					return nil, fail("date_time_handler", "convert_timezone needs target_timezone")
				}
				to, err := loadZone(target)
				if err != nil {
					return nil, err
				}
				res := timeInfo(t.In(to), outFormat)
				res["original"] = t.Format(time.RFC3339Nano)
				return res, nil
			case "add", "subtract":
				t, err := input()
				if err != nil {
					return nil, err
				}
				amount, ok := tplNum(c.Params["amount"])
				if !ok {
					return nil, fail("date_time_handler", "%s needs amount", op)
				}
				if op == "subtract" {
					amount = -amount
				}
				r, err := addUnit(t, amount, c.Str("unit", "days"))
				if err != nil {
					return nil, err
				}
				res := timeInfo(r, outFormat)
				res["original"] = t.Format(time.RFC3339Nano)
				return res, nil
			case "difference":
				s, ok := c.Params["start"]
				if !ok {
					return nil, fail("date_time_handler", "difference needs start")
				}
				start, err := parseTime(s, format, loc)
				if err != nil {
					return nil, err
				}
				end := time.Now().In(loc)
				if e, ok := c.Params["end"]; ok {
					if end, err = parseTime(e, format, loc); err != nil {
						return nil, err
					}
				}
				d := end.Sub(start)
				// Calendar difference in years, months and days.
				a, b, sign := start, end, int64(1)
				if b.Before(a) {
					a, b, sign = b, a, -1
				}
				months := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
				if a.AddDate(0, months, 0).After(b) {
					months--
				}
				days := int64(b.Sub(a.AddDate(0, months, 0)).Hours() / 24)
				return value.Map{
					"seconds": d.Seconds(), "minutes": d.Minutes(), "hours": d.Hours(), "days": d.Hours() / 24, "weeks": d.Hours() / 168,
					"milliseconds": d.Milliseconds(), "human": humanDuration(d),
					"calendar": value.Map{"years": sign * int64(months/12), "months": sign * int64(months%12), "days": sign * days},
				}, nil
			}
			return nil, fail("date_time_handler", "unknown operation %q", op)
		},
	}
}
