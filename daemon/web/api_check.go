package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kogge-project/kogge/rooms"
)

// DamagedRecord is one record that no longer decodes, as `kogge check-db`
// lists it: its bucket in the database, its key, and the decoder's words.
type DamagedRecord struct {
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	Problem string `json:"problem"`
}

// DamagedRecords scans the store's and the accounts' records; the daemon
// answers it over the control socket while it holds the database, and
// `kogge check-db` calls it directly when the daemon is stopped.
func DamagedRecords(sources ...func() ([]*rooms.DamagedRecordError, error)) ([]DamagedRecord, error) {
	out := []DamagedRecord{}
	for _, src := range sources {
		found, err := src()
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			out = append(out, DamagedRecord{Bucket: d.Bucket, Key: d.Key, Problem: d.Err.Error()})
		}
	}
	slices.SortStableFunc(out, func(a, b DamagedRecord) int { return strings.Compare(a.Bucket, b.Bucket) })
	return out, nil
}

func (s *server) damagedRecords(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	out, err := DamagedRecords(s.store.DamagedRecords, s.accounts.DamagedRecords)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"damaged": out})
	return nil
}
