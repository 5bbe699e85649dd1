package ingest

import "github.com/ucpresence/presence/engine"

// entry decodes a directory entry. Data and PropertyBag are always fresh
// allocations: the engine keeps them.
func (d *Decoder) entry(e *engine.ContactEntry) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		s := &d.s
		switch string(key) {
		case "data":
			e.Data = &engine.ContactData{}
			return d.contactData(e.Data)
		case "propertyBag":
			e.PropertyBag, err = d.pairs(nil)
			return err
		case "featureSet":
			e.FeatureSet, err = s.Uint32()
		case "staticRights":
			e.StaticRights, err = s.Uint32()
		case "staticRights2":
			e.StaticRights2, err = s.Uint32()
		case "monitorRights":
			e.MonitorRights, err = s.Uint32()
		case "groups":
			e.Groups = e.Groups[:0]
			return d.array(func(d *Decoder) error {
				g, err := d.s.Text()
				e.Groups = append(e.Groups, g)
				return d.note(err)
			})
		case "administrator":
			e.Administrator, err = s.Boolean()
		default:
			return d.unknownField(key, "entry")
		}
		return d.note(err)
	})
}

// contactData decodes the directory record of a contact (or of the remote
// party of a call).
func (d *Decoder) contactData(c *engine.ContactData) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		var p *string
		switch string(key) {
		case "found":
			p = &c.Found
		case "databaseName":
			p = &c.DatabaseName
		case "entryIdDb":
			p = &c.EntryIDDB
		case "entryIdStore":
			p = &c.EntryIDStore
		case "entryId":
			p = &c.EntryID
		case "ctiServerUserName":
			p = &c.CTIServerUserName
		case "displayName":
			p = &c.DisplayName
		case "firstName":
			p = &c.FirstName
		case "lastName":
			p = &c.LastName
		case "jobTitle":
			p = &c.JobTitle
		case "company":
			p = &c.Company
		case "department":
			p = &c.Department
		case "officeRoomNumber":
			p = &c.OfficeRoomNumber
		case "customerId":
			p = &c.CustomerID
		case "email":
			p = &c.EMail
		case "email2":
			p = &c.EMail2
		case "email3":
			p = &c.EMail3
		case "sipAddress":
			p = &c.SIPAddress
		case "webPageUrl":
			p = &c.WebPageURL
		case "phoneBusiness":
			p = &c.PhoneBusiness
		case "phoneBusiness2":
			p = &c.PhoneBusiness2
		case "companyMainPhone":
			p = &c.CompanyMainPhone
		case "assistantPhone":
			p = &c.AssistantPhone
		case "phoneHome":
			p = &c.PhoneHome
		case "phoneHome2":
			p = &c.PhoneHome2
		case "primaryPhone":
			p = &c.PrimaryPhone
		case "phoneMobile":
			p = &c.PhoneMobile
		case "carPhone":
			p = &c.CarPhone
		case "radioPhone":
			p = &c.RadioPhone
		case "pagerPhone":
			p = &c.PagerPhone
		case "otherPhone":
			p = &c.OtherPhone
		case "callbackPhone":
			p = &c.CallbackPhone
		case "isdnPhone":
			p = &c.ISDNPhone
		case "ttyTddPhone":
			p = &c.TTYTDDPhone
		case "faxBusiness":
			p = &c.FaxBusiness
		case "faxHome":
			p = &c.FaxHome
		case "body":
			p = &c.Body
		case "directWebLink":
			p = &c.DirectWebLink
		case "businessAddress":
			return d.address(&c.BusinessAddress)
		case "privateAddress":
			return d.address(&c.PrivateAddress)
		case "otherAddress":
			return d.address(&c.OtherAddress)
		case "customFields":
			c.CustomFields, err = d.pairs(nil)
			return err
		case "valid":
			c.Valid, err = d.s.Boolean()
			return d.note(err)
		case "privateContact":
			c.PrivateContact, err = d.s.Int32()
			return d.note(err)
		case "ctiServerUser":
			c.CTIServerUser, err = d.s.Int32()
			return d.note(err)
		default:
			return d.unknownField(key, "contact data")
		}
		*p, err = d.s.Text()
		return d.note(err)
	})
}

func (d *Decoder) address(a *engine.Address) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		var p *string
		switch string(key) {
		case "street":
			p = &a.Street
		case "postalCode":
			p = &a.PostalCode
		case "city":
			p = &a.City
		case "state":
			p = &a.State
		case "country":
			p = &a.Country
		default:
			return d.unknownField(key, "address")
		}
		*p, err = d.s.Text()
		return d.note(err)
	})
}
