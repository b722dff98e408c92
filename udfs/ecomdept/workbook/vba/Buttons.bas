Attribute VB_Name = "Buttons"
Option Explicit
' Buttons on the first sheet of the master workbook. Each calls one function of
' ecomdept.excel.buttons through xlwings RunPython; the Python side does the work.

Public Sub ValidateData()
    RunPython "from ecomdept.excel import buttons; buttons.validate()"
End Sub

Public Sub ComputeAttendance()
    RunPython "from ecomdept.excel import buttons; buttons.attendance()"
End Sub

Public Sub ComputePayroll()
    RunPython "from ecomdept.excel import buttons; buttons.payroll()"
End Sub

Public Sub MakePayslips()
    RunPython "from ecomdept.excel import buttons; buttons.payslips()"
End Sub

Public Sub ImportPunches()
    RunPython "from ecomdept.excel import buttons; buttons.import_punches()"
End Sub

Public Sub ImportOrders()
    RunPython "from ecomdept.excel import buttons; buttons.import_orders()"
End Sub

Public Sub SendPayslips()
    RunPython "from ecomdept.excel import buttons; buttons.send_payslips()"
End Sub

Public Sub ApprovePayroll()
    RunPython "from ecomdept.excel import buttons; buttons.approve()"
End Sub
