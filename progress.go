package smsfail

// Progress is how far one advertisement has got: the machines its
// collection targets and how many of them last reported a success or a
// failure. The site database gives it, the workbook shows it and the
// history keeps it per night.
type Progress struct {
	AdvertisementID   string
	AdvertisementName string
	CollectionID      string
	CollectionName    string
	Targeted          int // clients in the targeted collection
	Succeeded         int // machines whose last outcome was a success
	Failed            int // machines whose last outcome was a failure
}

// NotReported counts the targeted machines that reported no outcome yet.
func (p Progress) NotReported() int { return max(0, p.Targeted-p.Succeeded-p.Failed) }

// FailureRate is the share of the machines that reported an outcome
// whose last outcome was a failure; 0 when none reported.
func (p Progress) FailureRate() float64 {
	if p.Succeeded+p.Failed == 0 {
		return 0
	}
	return float64(p.Failed) / float64(p.Succeeded+p.Failed)
}
