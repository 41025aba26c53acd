package rooms

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrDamagedRecord: a stored record no longer decodes (a flipped bit on
// the disk, a bad copy). Test for it with errors.Is; DamagedRecordError
// says which record.
var ErrDamagedRecord = errors.New("damaged record")

// DamagedRecordError names a record that does not decode: its bucket in
// the database and its key (printable keys as they are, binary ones in
// hex), so that an operator can find it with `kogge check-db`.
type DamagedRecordError struct {
	Bucket string
	Key    string
	Err    error
}

// Damaged wraps a decode error of the record at key in bucket.
func Damaged(bucket, key []byte, err error) *DamagedRecordError {
	return &DamagedRecordError{Bucket: string(bucket), Key: RecordKey(key), Err: err}
}

func (e *DamagedRecordError) Error() string {
	return fmt.Sprintf("damaged record in bucket %q, key %s: %v", e.Bucket, e.Key, e.Err)
}

func (e *DamagedRecordError) Unwrap() error { return e.Err }

func (e *DamagedRecordError) Is(target error) bool { return target == ErrDamagedRecord }

// RecordKey shows a key: quoted when it is printable text (user names,
// ULIDs), hex otherwise (token digests).
func RecordKey(k []byte) string {
	s := string(k)
	if utf8.ValidString(s) {
		printable := true
		for _, r := range s {
			if !unicode.IsPrint(r) {
				printable = false
				break
			}
		}
		if printable {
			return fmt.Sprintf("%q", s)
		}
	}
	return fmt.Sprintf("%x", k)
}
