package ingest

import "github.com/ucpresence/presence/engine"

func (w *jsonObject) entry(e *engine.ContactEntry) {
	w.open()
	if e.Data != nil {
		w.key("data")
		w.contactData(e.Data)
	}
	if len(e.PropertyBag) > 0 {
		w.key("propertyBag")
		w.pairs(e.PropertyBag)
	}
	w.optInt("featureSet", int64(e.FeatureSet))
	w.optInt("staticRights", int64(e.StaticRights))
	w.optInt("staticRights2", int64(e.StaticRights2))
	w.optInt("monitorRights", int64(e.MonitorRights))
	if len(e.Groups) > 0 {
		w.key("groups")
		w.array(len(e.Groups), func(i int) { w.dst = appendString(w.dst, e.Groups[i]) })
	}
	w.optTrue("administrator", e.Administrator)
	w.close()
}

func (w *jsonObject) contactData(c *engine.ContactData) {
	w.open()
	w.optStr("found", c.Found)
	w.optStr("databaseName", c.DatabaseName)
	w.optStr("entryIdDb", c.EntryIDDB)
	w.optStr("entryIdStore", c.EntryIDStore)
	w.optStr("entryId", c.EntryID)
	w.optStr("ctiServerUserName", c.CTIServerUserName)
	w.optStr("displayName", c.DisplayName)
	w.optStr("firstName", c.FirstName)
	w.optStr("lastName", c.LastName)
	w.optStr("jobTitle", c.JobTitle)
	w.optStr("company", c.Company)
	w.optStr("department", c.Department)
	w.optStr("officeRoomNumber", c.OfficeRoomNumber)
	w.optStr("customerId", c.CustomerID)
	w.address("businessAddress", &c.BusinessAddress)
	w.address("privateAddress", &c.PrivateAddress)
	w.address("otherAddress", &c.OtherAddress)
	w.optStr("email", c.EMail)
	w.optStr("email2", c.EMail2)
	w.optStr("email3", c.EMail3)
	w.optStr("sipAddress", c.SIPAddress)
	w.optStr("webPageUrl", c.WebPageURL)
	w.optStr("phoneBusiness", c.PhoneBusiness)
	w.optStr("phoneBusiness2", c.PhoneBusiness2)
	w.optStr("companyMainPhone", c.CompanyMainPhone)
	w.optStr("assistantPhone", c.AssistantPhone)
	w.optStr("phoneHome", c.PhoneHome)
	w.optStr("phoneHome2", c.PhoneHome2)
	w.optStr("primaryPhone", c.PrimaryPhone)
	w.optStr("phoneMobile", c.PhoneMobile)
	w.optStr("carPhone", c.CarPhone)
	w.optStr("radioPhone", c.RadioPhone)
	w.optStr("pagerPhone", c.PagerPhone)
	w.optStr("otherPhone", c.OtherPhone)
	w.optStr("callbackPhone", c.CallbackPhone)
	w.optStr("isdnPhone", c.ISDNPhone)
	w.optStr("ttyTddPhone", c.TTYTDDPhone)
	w.optStr("faxBusiness", c.FaxBusiness)
	w.optStr("faxHome", c.FaxHome)
	w.optStr("body", c.Body)
	w.optStr("directWebLink", c.DirectWebLink)
	if len(c.CustomFields) > 0 {
		w.key("customFields")
		w.pairs(c.CustomFields)
	}
	w.optTrue("valid", c.Valid)
	w.optInt("privateContact", int64(c.PrivateContact))
	w.optInt("ctiServerUser", int64(c.CTIServerUser))
	w.close()
}

// address writes a postal address unless it is empty.
func (w *jsonObject) address(k string, a *engine.Address) {
	if *a == (engine.Address{}) {
		return
	}
	w.key(k)
	w.open()
	w.optStr("street", a.Street)
	w.optStr("postalCode", a.PostalCode)
	w.optStr("city", a.City)
	w.optStr("state", a.State)
	w.optStr("country", a.Country)
	w.close()
}
