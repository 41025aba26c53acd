package pexip

import (
	"context"
	"encoding/json"
	"errors"
)

// Licensing is the single object of status/v1/licensing/. Plain integers so
// a metrics exporter can publish them as gauges without knowing Pexip.
type Licensing struct {
	PortCount   int `json:"port_count"` // call licences in use
	PortTotal   int `json:"port_total"` // call licences installed
	AudioCount  int `json:"audio_count"`
	AudioTotal  int `json:"audio_total"`
	VMRCount    int `json:"vmr_count"`
	VMRTotal    int `json:"vmr_total"`
	SystemCount int `json:"system_count"`
	SystemTotal int `json:"system_total"`
}

// PortHeadroom is port_total - port_count, the figure the broker uses when
// choosing Pexip.
func (l Licensing) PortHeadroom() int { return l.PortTotal - l.PortCount }

// Metrics returns the counters keyed by a stable metric-friendly name.
func (l Licensing) Metrics() map[string]float64 {
	return map[string]float64{
		"port_count": float64(l.PortCount), "port_total": float64(l.PortTotal),
		"audio_count": float64(l.AudioCount), "audio_total": float64(l.AudioTotal),
		"vmr_count": float64(l.VMRCount), "vmr_total": float64(l.VMRTotal),
		"system_count": float64(l.SystemCount), "system_total": float64(l.SystemTotal),
		"port_headroom": float64(l.PortHeadroom()),
	}
}

// Licensing reads licence usage from the status API.
func (c *Client) Licensing(ctx context.Context) (Licensing, error) {
	var out []Licensing
	err := c.list(ctx, StatusLicensing, nil, func(raw json.RawMessage) error {
		var l Licensing
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	if err != nil {
		return Licensing{}, err
	}
	if len(out) == 0 {
		return Licensing{}, errors.New("pexip: status licensing list is empty")
	}
	return out[0], nil
}
