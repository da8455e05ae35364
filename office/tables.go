package office

// TableName is the table of offices.
func (Office) TableName() string { return "offices" }

// TableName is the table of departments.
func (Department) TableName() string { return "departments" }

// TableName is the table of services.
func (Service) TableName() string { return "services" }

// TableName is the table of closures.
func (Closure) TableName() string { return "closures" }

// TableName is the table of counters.
func (Counter) TableName() string { return "counters" }

// counterService is one row of counter_services: counter serves service.
type counterService struct {
	CounterID int64
	ServiceID int64
}

func (counterService) TableName() string { return "counter_services" }

// counterDepartment is one row of counter_departments: counter serves the
// matters of department.
type counterDepartment struct {
	CounterID    int64
	DepartmentID int64
}

func (counterDepartment) TableName() string { return "counter_departments" }
