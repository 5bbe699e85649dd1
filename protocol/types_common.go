package protocol

// Types of ENetUC_Common.asn1 (UC-Server-Access-Protocol-Common).

// AsnStringPair is a key/value pair of strings.
type AsnStringPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AsnStringIntegerPair is a string/integer pair.
type AsnStringIntegerPair struct {
	Text    string `json:"u8sStr"`
	Integer int64  `json:"iInt"`
}

// AsnIntegerPair is an integer/integer pair.
type AsnIntegerPair struct {
	Key   int64 `json:"key"`
	Value int64 `json:"value"`
}

// AsnRequestError is the error value of every operation in this interface.
type AsnRequestError struct {
	// ErrorDetail is a number representing the error (operation-specific enum).
	ErrorDetail int64 `json:"iErrorDetail"`
	// ErrorString is a text representing the error.
	ErrorString string `json:"u8sErrorString"`
}

// AsnUserPropertyBag holds additional properties of a UCServer user.
type AsnUserPropertyBag struct {
	Properties List[AsnStringPair] `json:"asnProperties"`
}

// AsnNetDatabaseContactID identifies a contact in a contact database.
type AsnNetDatabaseContactID struct {
	// EntryID is the id of the contact in the source database.
	EntryID string `json:"u8sEntryID"`
	// EntryIDDB is the id of the database (type).
	EntryIDDB string `json:"u8sEntryIDDB"`
	// EntryIDStore is an additional id of a store in the database.
	EntryIDStore string `json:"u8sEntryIDStore"`
}

// AsnNetDatabaseContact is the contact data of a contact. Every member is
// OPTIONAL; the comment gives the ASN.1 tag.
type AsnNetDatabaseContact struct {
	Found                      Optional[string]      `json:"u8sFound,omitzero"`                      // [0]
	DatabaseName               Optional[string]      `json:"u8sDatabaseName,omitzero"`               // [1]
	EntryIDDB                  Optional[string]      `json:"u8sEntryIDDB,omitzero"`                  // [2]
	EntryIDStore               Optional[string]      `json:"u8sEntryIDStore,omitzero"`               // [3]
	EntryID                    Optional[string]      `json:"u8sEntryID,omitzero"`                    // [4]
	CtiServerUserName          Optional[string]      `json:"u8sCtiServerUserName,omitzero"`          // [5]
	DisplayName                Optional[string]      `json:"u8sDisplayName,omitzero"`                // [6]
	FirstName                  Optional[string]      `json:"u8sFirstName,omitzero"`                  // [7]
	LastName                   Optional[string]      `json:"u8sLastName,omitzero"`                   // [8]
	JobTitle                   Optional[string]      `json:"u8sJobTitle,omitzero"`                   // [9]
	Company                    Optional[string]      `json:"u8sCompany,omitzero"`                    // [10]
	Department                 Optional[string]      `json:"u8sDepartment,omitzero"`                 // [11]
	OfficeRoomNumber           Optional[string]      `json:"u8sOfficeRoomNumber,omitzero"`           // [12]
	CustomerID                 Optional[string]      `json:"u8sCustomerID,omitzero"`                 // [13]
	BusinessAddressStreet      Optional[string]      `json:"u8sBusinessAddressStreet,omitzero"`      // [14]
	BusinessAddressPostalCode  Optional[string]      `json:"u8sBusinessAddressPostalCode,omitzero"`  // [15]
	BusinessAddressCity        Optional[string]      `json:"u8sBusinessAddressCity,omitzero"`        // [16]
	BusinessAddressState       Optional[string]      `json:"u8sBusinessAddressState,omitzero"`       // [17]
	BusinessAddressCountry     Optional[string]      `json:"u8sBusinessAddressCountry,omitzero"`     // [18]
	PrivateAddressStreet       Optional[string]      `json:"u8sPrivateAddressStreet,omitzero"`       // [19]
	PrivateAddressPostalCode   Optional[string]      `json:"u8sPrivateAddressPostalCode,omitzero"`   // [20]
	PrivateAddressCity         Optional[string]      `json:"u8sPrivateAddressCity,omitzero"`         // [21]
	PrivateAddressState        Optional[string]      `json:"u8sPrivateAddressState,omitzero"`        // [22]
	PrivateAddressCountry      Optional[string]      `json:"u8sPrivateAddressCountry,omitzero"`      // [23]
	OtherAddressStreet         Optional[string]      `json:"u8sOtherAddressStreet,omitzero"`         // [24]
	OtherAddressPostalCode     Optional[string]      `json:"u8sOtherAddressPostalCode,omitzero"`     // [25]
	OtherAddressCity           Optional[string]      `json:"u8sOtherAddressCity,omitzero"`           // [26]
	OtherAddressState          Optional[string]      `json:"u8sOtherAddressState,omitzero"`          // [27]
	OtherAddressCountry        Optional[string]      `json:"u8sOtherAddressCountry,omitzero"`        // [28]
	EMail                      Optional[string]      `json:"u8sEMail,omitzero"`                      // [29]
	EMail2                     Optional[string]      `json:"u8sEMail2,omitzero"`                     // [30]
	EMail3                     Optional[string]      `json:"u8sEMail3,omitzero"`                     // [31]
	SIPAddress                 Optional[string]      `json:"u8sSIPAddress,omitzero"`                 // [32]
	WebPageURL                 Optional[string]      `json:"u8sWebPageURL,omitzero"`                 // [33]
	PhoneBusiness              Optional[string]      `json:"u8sPhoneBusiness,omitzero"`              // [34]
	PhoneBusiness2             Optional[string]      `json:"u8sPhoneBusiness2,omitzero"`             // [35]
	CompanyMainTelephoneNumber Optional[string]      `json:"u8sCompanyMainTelephoneNumber,omitzero"` // [36]
	AssistantTelephoneNumber   Optional[string]      `json:"u8sAssistantTelephoneNumber,omitzero"`   // [37]
	PhoneHome                  Optional[string]      `json:"u8sPhoneHome,omitzero"`                  // [38]
	PhoneHome2                 Optional[string]      `json:"u8sPhoneHome2,omitzero"`                 // [39]
	PrimaryTelephoneNumber     Optional[string]      `json:"u8sPrimaryTelephoneNumber,omitzero"`     // [40]
	PhoneMobile                Optional[string]      `json:"u8sPhoneMobile,omitzero"`                // [41]
	CarTelephoneNumber         Optional[string]      `json:"u8sCarTelephoneNumber,omitzero"`         // [42]
	RadioTelephoneNumber       Optional[string]      `json:"u8sRadioTelephoneNumber,omitzero"`       // [43]
	PagerTelephoneNumber       Optional[string]      `json:"u8sPagerTelephoneNumber,omitzero"`       // [44]
	OtherTelephoneNumber       Optional[string]      `json:"u8sOtherTelephoneNumber,omitzero"`       // [45]
	CallbackTelephoneNumber    Optional[string]      `json:"u8sCallbackTelephoneNumber,omitzero"`    // [46]
	ISDNTelephoneNumber        Optional[string]      `json:"u8sISDNTelephoneNumber,omitzero"`        // [47]
	TTYTTDTelephoneNumber      Optional[string]      `json:"u8sTTYTTDTelephoneNumber,omitzero"`      // [48]
	FaxBusiness                Optional[string]      `json:"u8sFaxBusiness,omitzero"`                // [49]
	FaxHome                    Optional[string]      `json:"u8sFaxHome,omitzero"`                    // [50]
	Body                       Optional[string]      `json:"u8sBody,omitzero"`                       // [51] also called "note"
	DirectWebLink              Optional[string]      `json:"u8sDirectWebLink,omitzero"`              // [52]
	CustomFields               []AsnStringPair       `json:"customFields,omitzero"`                  // [53]
	Valid                      Optional[bool]        `json:"bValid,omitzero"`                        // [54]
	PrivateContact             Optional[int64]       `json:"iPrivateContact,omitzero"`               // [55]
	CtiServerUser              Optional[int64]       `json:"iCtiServerUser,omitzero"`                // [56]
	OptionalParams             AsnOptionalParameters `json:"optionalParams,omitzero"`                // [57] key "jpegPhoto" (binary)
}
