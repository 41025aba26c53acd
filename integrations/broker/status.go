package broker

import "time"

// Status reports every provider: pool, licences held now and the peak of
// the next 7 days, and health (marked down or breaker open: "down";
// recent failures or half-open: "degraded").
func (b *Broker) Status() ([]ProviderStatus, error) {
	now := b.now()
	out := make([]ProviderStatus, 0, len(b.providers))
	for _, p := range b.providers {
		inUse, peak, err := b.st.LicenceUse(p.Name, now, now, now.Add(7*24*time.Hour))
		if err != nil {
			return nil, err
		}
		br := b.breakers[p.Name]
		s := ProviderStatus{
			Name: p.Name, Kind: p.Kind, PoolSize: len(p.Licences),
			InUse: inUse, Peak7d: peak, Health: br.health(), LastError: br.lastError(),
		}
		if b.isDown(p.Name) {
			s.Health = "down"
		}
		out = append(out, s)
	}
	return out, nil
}
