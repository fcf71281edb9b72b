package layout

import "time"

// num reads b[i:j] as a decimal number (the caller checked the digits).
func num(b []byte, i, j int) int {
	n := 0
	for ; i < j; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n
}

// ParseTime reads the timestamps ES writes: "2024-04-10T16:39:21,495"
// (plain, no zone: read in loc), "2024-11-12T22:27:36.061Z" (ECS),
// "2021-02-01T18:53:46,265Z" / "+0000" / "+08:00" (7.x JSON), with 'T' or ' '
// between date and time and any number of fraction digits. It returns false
// when b is not such a timestamp.
func ParseTime(b []byte, loc *time.Location) (time.Time, bool) {
	if !isDateTime(b) {
		return time.Time{}, false
	}
	year, month, day := num(b, 0, 4), num(b, 5, 7), num(b, 8, 10)
	hour, min, sec := num(b, 11, 13), num(b, 14, 16), num(b, 17, 19)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || min > 59 || sec > 60 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(b) && (b[i] == ',' || b[i] == '.') {
		i++
		scale := 100000000
		for i < len(b) && isDigit(b[i]) {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	if i < len(b) {
		switch c := b[i]; c {
		case 'Z', 'z':
			loc = time.UTC
		case '+', '-':
			var hh, mm int
			r := b[i+1:]
			switch {
			case len(r) >= 5 && allDigits(r, 0, 2) && r[2] == ':' && allDigits(r, 3, 5):
				hh, mm = num(r, 0, 2), num(r, 3, 5)
			case len(r) >= 4 && allDigits(r, 0, 4):
				hh, mm = num(r, 0, 2), num(r, 2, 4)
			case len(r) >= 2 && allDigits(r, 0, 2):
				hh = num(r, 0, 2)
			default:
				return time.Time{}, false
			}
			off := hh*3600 + mm*60
			if c == '-' {
				off = -off
			}
			if off == 0 {
				loc = time.UTC
			} else {
				loc = time.FixedZone("", off)
			}
		}
	}
	if loc == nil {
		loc = time.Local
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, nsec, loc), true
}
