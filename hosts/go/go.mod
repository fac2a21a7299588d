module plinth

go 1.19
